// Package exporter is `kubectl logbackup exporter`: the six retry metrics
// of the seed, derived from the Backups' status, served for Prometheus.
package exporter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/exporter"
)

// defaultMemoryLimit is the Go runtime's soft memory limit unless
// GOMEMLIMIT says otherwise (measured: 10,000 backups peak under it).
const defaultMemoryLimit = 128 << 20

// Options of the exporter command.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams
	apiGroup      *cmdutil.Enum
	Listen        string
	AllNamespaces bool

	session *cmdutil.Session
}

// NewCmd wires the flags.
func NewCmd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &Options{configFlags: flags, IOStreams: streams, Listen: ":9469", AllNamespaces: true}
	cmd := &cobra.Command{
		Use:   "exporter",
		Short: "Serve the tidb_operator_log_backup_retry_* metrics, derived from the Backups' status",
		Long: `Watch the Backups of both operator versions and serve, on /metrics, the six
retry metrics that no TiDB Operator release exports, derived from each Backup's
status.backoffRetryStatus and conditions. /healthz answers while the process
runs, /readyz once the first list of backups has been read.

Records already present when the exporter starts are a baseline, not new
retries. Run one replica: two would each count every retry.

"kubectl logbackup exporter manifests" prints the objects that run it in a
cluster (ServiceAccount, read-only ClusterRole, Deployment, Service,
ServiceMonitor, PrometheusRule), for kubectl apply.`,
		Example: `  kubectl logbackup exporter --listen :9469
  kubectl logbackup exporter manifests -n monitoring --label release=kube-prometheus-stack | kubectl apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Complete(cmd); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&o.Listen, "listen", o.Listen, "Address to serve /metrics, /healthz and /readyz on")
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", o.AllNamespaces, "Watch every namespace (the default unless -n is given)")
	o.apiGroup = cmdutil.AddAPIGroupFlag(cmd)
	cmd.AddCommand(newManifestsCmd(flags, streams))
	return cmd
}

// Complete checks the flags and builds the session. As with kubectl, -n
// picks one namespace, and every namespace is watched without it (an
// explicit -A wins over -n).
func (o *Options) Complete(cmd *cobra.Command) error {
	if _, _, err := net.SplitHostPort(o.Listen); err != nil || o.Listen == "" {
		return fmt.Errorf("invalid --listen %q: want HOST:PORT, such as :9469 or 127.0.0.1:9469", o.Listen)
	}
	if ns := o.configFlags.Namespace; ns != nil && *ns != "" {
		if err := cmdutil.ValidateNamespaceFlag("--namespace", *ns); err != nil {
			return err
		}
		if !cmd.Flags().Changed("all-namespaces") {
			o.AllNamespaces = false
		}
	}
	s, err := cmdutil.NewSession(o.configFlags, o.ErrOut)
	if err != nil {
		return err
	}
	o.session = s
	return nil
}

// Run serves until Ctrl-C or SIGTERM (exit 0).
func (o *Options) Run(ctx context.Context) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		// A long-running process whose live heap is a few tens of MB
		// but whose every scrape of 10,000 backups allocates as much
		// again: without a limit the heap grows to twice the peak before
		// the collector runs. GOMEMLIMIT in the environment overrides it.
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	clients, err := o.session.StreamClients()
	if err != nil {
		return err
	}
	ns := ""
	if !o.AllNamespaces {
		ns = o.session.Namespace
	}
	e := exporter.New(exporter.Options{Namespace: ns, APIGroup: o.apiGroup.Value(), Log: o.ErrOut})
	l, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", o.Listen, err)
	}
	// A scraper that stops reading must not hold a scrape's memory for
	// ever (the handler also refuses more than two scrapes at once).
	srv := &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	fmt.Fprintf(o.ErrOut, "serving metrics on http://%s/metrics\n", l.Addr())
	runErr := e.Run(ctx, clients)
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if _, interrupted := cmdutil.Interrupted(ctx); interrupted {
		return nil
	}
	if runErr != nil {
		return cmdutil.ClusterError(runErr, o.session)
	}
	return nil
}
