// Package resetretries is `kubectl logbackup reset-retries`: remove a
// backup's retry records after a preview and a confirmation, with a patch
// that cannot remove a record the user did not see.
package resetretries

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
)

const long = `Remove the retry records (status.backoffRetryStatus) of TiDB Operator backups,
which restarts their retry count and retry-timeout window.

Each backup is previewed first: its API group, mode and phase, the records that
will be removed, the last failure, and warnings where a reset will not help (the
backup is already Failed, or its last failure looks unresolved). On a terminal
the command then asks "Remove N retry records from NS/NAME? [y/N]"; only y or
yes proceeds. Without a terminal it refuses unless --yes is given.

The change is a JSON patch sent to backups/status when the group has a status
subresource (operator v2, br.pingcap.com), else to the backup itself (operator
v1, pingcap.com). The patch tests that the records are exactly the previewed
ones, so a record the controller adds after the preview makes the API server
refuse it and nothing is removed. The backup is read back afterwards, and a
RetriesReset event records who removed how many records.`

const example = `  # Preview, confirm, reset one backup
  kubectl logbackup reset-retries tidb-cluster/nightly

  # See the patch without sending it, then let the API server check it
  kubectl logbackup reset-retries tidb-cluster/nightly --dry-run=client
  kubectl logbackup reset-retries tidb-cluster/nightly --dry-run=server

  # Several backups, each with its own preview and question
  kubectl logbackup reset-retries tidb-cluster/nightly tidb-cluster/hourly

  # Every backup with retry records in a namespace, one question for all
  kubectl logbackup reset-retries --all -n tidb-cluster

  # In a script: no question, the result as JSON
  kubectl logbackup reset-retries tidb-cluster/nightly --yes -o json`

// NewCmd wires the flags to Options; the flow lives in run.go.
func NewCmd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(flags, streams)
	completeRefs := cmdutil.CompleteEachBackupRef(flags)
	cmd := &cobra.Command{
		Use:     "reset-retries ([NAMESPACE/]NAME... | --all)",
		Short:   "Remove a backup's retry records after a preview and a confirmation",
		Long:    long,
		Example: example,
		// TAB completes each backup not already given; --all takes none.
		ValidArgsFunction: func(cmd *cobra.Command, args []string, word string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if o.All {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completeRefs(cmd, args, word)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(cmd); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.AddFlags(cmd)
	return cmd
}
