// Package reportcmd is `kubectl logbackup report`: a redacted support
// bundle of everything investigate gathers, for one backup, a namespace
// or the whole cluster. (pkg/report is the model; this is the verb.)
package reportcmd

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
)

const example = `  # One backup, into logbackup-report-<UTC time>.zip in the current folder
  kubectl logbackup report tidb-cluster/nightly

  # Every backup of a namespace, as a folder
  kubectl logbackup report -n tidb-cluster -o dir --output-file ./nightly-bundle

  # Every backup of the cluster, to share outside the company: namespace,
  # backup and bucket names hashed, logs of the last day only
  kubectl logbackup report -A --redact-names --since 24h --output-file fleet.zip`

// NewCmd wires the flags to Options; the logic lives in options.go.
func NewCmd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(flags, streams)
	cmd := &cobra.Command{
		Use:   "report [NAMESPACE/]NAME | -n NAMESPACE | -A",
		Short: "Write a redacted support bundle about backups (zip or folder)",
		Long: `Write a support bundle: for each backup, what investigate shows (as JSON and
text, with the timeline), the Backup, its Jobs, Pods and Events as YAML, the
logs of every container of its pods, the controller's log lines about it and
the retry policy in force; and once, the plugin's, the API server's and the
TiDB Operator's versions. A README inside says what each file is.

No secret enters the bundle: Secrets are listed by name and key names only;
credential fields of specs, env values, arguments and log lines are replaced
by "xxxxx". --redact-names also replaces namespace, backup, bucket and prefix
names by keyed hashes (the key is random and not kept), for sharing outside
the company.

With a backup, that one; without, every backup in the namespace (-n, or the
context's); with -A, every backup in the cluster (at most --max-backups). A
source that cannot be read (a missing permission, a log that cannot be read)
is a line in notes.txt and the bundle goes on; the command fails only when
no backup can be read or the bundle cannot be written. The bundle is written
under a temporary name beside --output-file and renamed at the end; an
existing file or folder is never replaced.

-o picks the bundle's format (zip or dir), not the command's output, which is
the bundle's path and a one-line summary on stdout; progress goes to stderr
on a terminal.`,
		Example: example,
		Args:    atMostOneBackup,
		// TAB completes the backup: NAME, NS/NAME, or NAME in -n's namespace.
		ValidArgsFunction: cmdutil.CompleteBackupRefs(flags),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
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
		return fmt.Errorf("expected at most one backup as NAMESPACE/NAME or NAME, got %d arguments; see '%s --help'", len(args), cmd.CommandPath())
	}
	return nil
}
