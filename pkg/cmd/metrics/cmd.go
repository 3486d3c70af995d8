// Package metrics is `kubectl logbackup metrics`: what Prometheus knows
// about every backup in scope (the exporter's retry figures, the alerts,
// a log backup's task as TiKV and TiDB report it), most urgent first.
package metrics

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

const example = `  # The backups of the current namespace that have figures
  kubectl logbackup metrics

  # Every namespace, from a Prometheus reached through the API server
  kubectl logbackup metrics -A --prometheus-service monitoring/prometheus-k8s:9090

  # From a Prometheus URL, for a script
  kubectl logbackup metrics -A --prometheus-url http://prometheus.example:9090 -o json`

// NewCmd wires the flags to Options; the logic lives in options.go.
func NewCmd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewOptions(flags, streams)
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Show what Prometheus knows about each backup: retries, alerts, log backup tasks",
		Long: `Show, for every TiDB Operator Backup in scope that has figures in Prometheus,
the exporter's retry figures (retrying now, retries per hour at the 5-minute
rate, the share of retries that succeeded, exhaustions and timeouts in the last
hour, p50/p90 retry duration), the alerts firing or pending for it, and for a
log backup its task as TiKV and TiDB report it (running, paused or error, and
the checkpoint's lag: the RPO). The most urgent come first.

Prometheus is --prometheus-url, or --prometheus-service reached through the API
server's service proxy, or else a Prometheus service found in the cluster
(kube-prometheus-stack, kube-prometheus, the Prometheus Helm chart, TidbMonitor,
prometheus-operator). The retry figures need 'kubectl logbackup exporter'
scraped by that Prometheus; the task figures need TiKV and TiDB scraped.`,
		Example: example,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("metrics takes no arguments (got %q); use -n NAMESPACE or -A; see '%s --help'", args[0], cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.AddFlags(cmd)
	return cmd
}
