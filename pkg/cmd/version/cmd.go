// Package version is `kubectl logbackup version`: this build (version,
// commit, build date, Go version, platform) and, with --client=false, the
// API server's version and the TiDB Operator Backup APIs it serves.
package version

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

const long = `Print the version of kubectl logbackup: the release (vX.Y.Z, or "dev" for a
build that is not one), the commit, the commit's date, the Go version and the
platform it was built for. Nothing is read from the cluster, so it works
without a kubeconfig.

With --client=false it also asks the API server of the kubeconfig's context
(--kubeconfig, --context, --server and the rest of kubectl's flags apply) for
its version and which TiDB Operator Backup APIs it serves: pingcap.com/v1alpha1
(operator v1) and br.pingcap.com/v1alpha1 (operator v2). When the server
cannot be reached, this build is still printed, then one error line, and the
exit code is 1.

-o json or -o yaml print kind Version (apiVersion logbackup.github.io/v1alpha1):
  client:  version, commit, buildDate, goVersion, platform
  server:  (with --client=false) version, platform, backupAPIs (a list of
           group, version, operator: "v1" or "v2", statusSubresource), and
           error when the server could not be read`

const example = `  # This build
  kubectl logbackup version

  # This build, the API server's version and the Backup APIs it serves, as JSON
  kubectl logbackup version --client=false -o json`

// NewCmd wires the flags to Options; the logic lives in options.go.
func NewCmd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(flags, streams)
	cmd := &cobra.Command{
		Use:     "version [--client=false] [-o json|yaml]",
		Short:   "Print the version of kubectl logbackup (and, with --client=false, of the API server)",
		Long:    long,
		Example: example,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.AddFlags(cmd)
	return cmd
}
