// Package cmd wires the kubectl logbackup root command; each verb lives in
// its own package beside this one.
package cmd

import (
	"github.com/spf13/cobra"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/events"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/exporter"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/investigate"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/logs"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/metrics"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/monitoring"
	reportcmd "github.com/logbackup/kubectl-logbackup/pkg/cmd/report"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/resetretries"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/status"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/version"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// NewRootCmd builds the command tree. Nothing here is global, so tests can
// build as many independent trees as they like.
func NewRootCmd(streams genericiooptions.IOStreams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	root := &cobra.Command{
		Use: "kubectl-logbackup", // the binary: completion scripts are generated for this name
		// kubectl runs the plugin as "kubectl logbackup"; help and usage
		// lines must say so.
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl logbackup"},
		Short:       "Investigate and repair TiDB backups that keep retrying",
		Long: `kubectl logbackup shows why a TiDB Operator Backup keeps failing and retrying,
and repairs its retry state safely. It reads both operator v1 (pingcap.com) and
operator v2 (br.pingcap.com) backups.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	flags.AddFlags(root.PersistentFlags())
	root.AddCommand(
		events.NewCmd(flags, streams),
		exporter.NewCmd(flags, streams),
		investigate.NewCmd(flags, streams),
		logs.NewCmd(flags, streams),
		metrics.NewCmd(flags, streams),
		monitoring.NewCmd(streams),
		reportcmd.NewCmd(flags, streams),
		resetretries.NewCmd(flags, streams),
		status.NewCmd(flags, streams),
		version.NewCmd(flags, streams),
	)
	cmdutil.RegisterCompletions(root, flags)
	return root
}
