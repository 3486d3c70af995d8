// Package version prints the plugin's version, set at link time.
package version

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/buildinfo"
)

// NewCmd returns "kubectl logbackup version".
func NewCmd(streams genericiooptions.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl logbackup",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(streams.Out, "kubectl logbackup %s (commit %s)\n", buildinfo.Version, buildinfo.Commit)
			return err
		},
	}
}
