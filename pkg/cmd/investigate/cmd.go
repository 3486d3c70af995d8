// Package investigate is `kubectl logbackup investigate`: everything about
// one backup in one view, with a diagnosis.
package investigate

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
)

const example = `  # One backup, by namespace/name
  kubectl logbackup investigate tidb-cluster/nightly

  # The same, with -n, as JSON
  kubectl logbackup investigate nightly -n tidb-cluster -o json

  # An operator v2 backup whose name also exists in pingcap.com
  kubectl logbackup investigate tidb-cluster/nightly --api-group br.pingcap.com

  # Metrics from a Prometheus reached through the API server, a log backup
  # whose task name is also run by another TiDB cluster
  kubectl logbackup investigate tidb-cluster/pitr --prometheus-service monitoring/prometheus-k8s:9090 \
    --task-labels tidb_cluster=tidb-cluster-basic

  # What happened when: every dated thing, grouped by retry, with the delays
  kubectl logbackup investigate tidb-cluster/nightly --timeline

  # The controller runs somewhere unusual
  kubectl logbackup investigate tidb-cluster/nightly --controller-namespace ops \
    --controller-selector app=my-tidb-operator`

// NewCmd wires the flags to Options; the logic lives in options.go.
func NewCmd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(flags, streams)
	cmd := &cobra.Command{
		Use:   "investigate [NAMESPACE/]NAME",
		Short: "Show everything about one backup and say what to do next",
		Long: `Show a TiDB Operator Backup, its retry history, events, jobs, pods, the failed
pod's log and the controller's log lines about it, what Prometheus knows about
it (the exporter's retry figures, the alerts, and for a log backup its task as
TiKV and TiDB report it), then a diagnosis.

The Backup API is found by discovery (pingcap.com for operator v1,
br.pingcap.com for operator v2). A source the user may not read is shown as an
error in its own section; the command still exits 0 when the backup was read.
Prometheus is --prometheus-url, --prometheus-service, or one found in the
cluster; a Prometheus that cannot be used is one line in the Metrics section.

With --timeline the view adds every dated thing it read on one time axis
(-o json|yaml: the timeline field), grouped by cause: the first run, then each
retry with the events, Jobs, Pods and log lines it produced; then the delays
that matter (a retry started late or overdue, a failure recorded late, a stuck
checkpoint). It also reads the failed pod's log for its first and last error
lines.`,
		Example: example,
		Args:    exactlyOneBackup,
		// TAB completes the backup: NAME, NS/NAME, or NAME in -n's namespace.
		ValidArgsFunction: cmdutil.CompleteBackupRefs(flags),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
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

func exactlyOneBackup(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageError(cmd, "expected exactly one backup as NAMESPACE/NAME or NAME, got %d arguments", len(args))
	}
	return nil
}
