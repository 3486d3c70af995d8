// Package status is `kubectl logbackup status`: every Backup of both
// groups in scope, one row each, most urgent first, across one or many
// kubeconfig contexts.
package status

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

const example = `  # The backups of the current namespace
  kubectl logbackup status

  # Every namespace, only what needs attention
  kubectl logbackup status -A --failing

  # Three clusters at once, with the retry policy and the verdict
  kubectl logbackup status -A --contexts prod-east,prod-west,staging -o wide

  # Keep the table up to date as backups change
  kubectl logbackup status -A --watch

  # For a script
  kubectl logbackup status -A -o json | jq '.items[] | select(.state == "Exhausted") | .name'`

// NewCmd wires the flags to Options; the logic lives in options.go.
func NewCmd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(flags, streams)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List backups of both operator versions, the ones in trouble first",
		Long: `List every TiDB Operator Backup in scope, of operator v1 (pingcap.com) and v2
(br.pingcap.com), one row each: phase, retries used of those allowed, the
pending retry or the end of the retry window, the last failure, a log backup's
checkpoint lag and a state, sorted most urgent first: Exhausted, Failed,
Retrying, Lagging, Attention, then Healthy. The state is the verdict that
'kubectl logbackup investigate' gives from the backup alone.

With --contexts or --all-contexts the same view is read from each kubeconfig
context at once; a context that cannot be read is one error line and the
others are still shown. The command exits 1 when any context, group or
namespace could not be read, after printing everything that could.`,
		Example: example,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.AddFlags(cmd)
	return cmd
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(cmd, "status takes no arguments, got %q; use -n NAMESPACE or -A, and 'kubectl logbackup investigate NAMESPACE/NAME' for one backup", args[0])
	}
	return nil
}
