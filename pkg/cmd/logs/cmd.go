// Package logs is `kubectl logbackup logs`: the controller's lines about
// one backup and its backup pods' logs, merged in time order, with -f to
// follow them all.
package logs

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

const example = `  # The controller's lines about a backup and its pods' logs, in time order
  kubectl logbackup logs tidb-cluster/nightly

  # Only the backup pods, the last 50 lines of each, and follow them
  # (a retry's new pod is picked up as it starts)
  kubectl logbackup logs tidb-cluster/nightly --job --tail 50 -f

  # Only the controller, the last hour, with the kubelet's timestamps
  kubectl logbackup logs nightly -n tidb-cluster --controller --since 1h --timestamps`

// NewCmd wires the flags to Options; the logic lives in options.go.
func NewCmd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(flags, streams)
	cmd := &cobra.Command{
		Use:   "logs [NAMESPACE/]NAME",
		Short: "Show the controller's and the backup pods' logs of one backup, merged",
		Long: `Show the log lines about one TiDB Operator Backup: the operator controller's
lines that name it (the same matching as investigate: NAMESPACE/NAME, or the
namespace and backup fields, never a backup whose name merely starts the same)
and the logs of its backup pods (container "backup", found along the owner
chain Backup -> Job -> Pod). Lines are merged in time order by the kubelet's
timestamps and labelled with their source.

With -f every source is followed at once, a dropped stream is reopened from the
last line seen, and the pod that a retry creates is followed once it starts.
Ctrl-C ends it. Notes about the sources (not read, cut, ended, stopped) go to
stderr, so that stdout holds only log lines.`,
		Example: example,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("expected exactly one backup as NAMESPACE/NAME or NAME, got %d arguments; see '%s --help'", len(args), cmd.CommandPath())
			}
			return nil
		},
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
