// Package events is `kubectl logbackup events`: the events of backups of
// both operators and of the Jobs and Pods they own, listed or watched.
package events

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
)

const long = `Show the events of TiDB Operator backups (pingcap.com and br.pingcap.com) and
of the Jobs and Pods they own, oldest first, like kubectl events.

An event belongs to a backup when its object is the backup itself (matched by
UID, so an object of another kind with the same name does not count), or a Job
the backup owns, or a Pod of such a Job (label tidb.pingcap.com/backup and the
owner chain). Reasons of the retry story are marked "(retry)".

With --watch the command goes on printing new events and updates of printed
ones (a count that grows) until Ctrl-C. It picks up backups created later and
the Jobs and Pods a retry creates, reconnects when the connection drops, and
lists again when the API server has forgotten where the watch was (410 Gone)
without printing an event twice. With -o json each event is one line.`

const example = `  # The events of every backup in the current namespace
  kubectl logbackup events

  # One backup, warnings of the last 30 minutes
  kubectl logbackup events tidb-cluster/nightly --types Warning --since 30m

  # Every namespace, following, one JSON object per line
  kubectl logbackup events -A --watch -o json`

// NewCmd wires the flags to Options; the logic lives in options.go.
func NewCmd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(flags, streams)
	cmd := &cobra.Command{
		Use:     "events [NAMESPACE/NAME | NAME] [-n NAMESPACE | -A]",
		Short:   "Show (and watch) the events of backups, their jobs and pods",
		Long:    long,
		Example: example,
		Args:    atMostOneBackup,
		// NS/NAME completes from both groups; -n and -A come from kubectl's flags.
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

func atMostOneBackup(cmd *cobra.Command, args []string) error {
	if len(args) > 1 {
		return usageError(cmd, "expected at most one backup as NAMESPACE/NAME or NAME, got %d arguments", len(args))
	}
	return nil
}
