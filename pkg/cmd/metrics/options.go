package metrics

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
	"github.com/logbackup/kubectl-logbackup/pkg/fleet"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/render"
)

// Options is the metrics command's state, kubectl style.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	output     *cmdutil.Enum
	apiGroup   *cmdutil.Enum
	prometheus *cmdutil.PrometheusFlags

	AllNamespaces bool

	session    *cmdutil.Session
	promConfig promapi.Config
	namespace  string // "" with -A
	Now        func() time.Time
	Getenv     func(string) string
}

// NewOptions sets the defaults.
func NewOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{configFlags: flags, IOStreams: streams, Now: time.Now, Getenv: os.Getenv}
}

// AddFlags binds the command's own flags; kubectl's come from ConfigFlags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	o.output = cmdutil.AddOutputFlag(cmd, "The list as data; the schema is in docs/output.md.", output.JSON, output.YAML)
	o.apiGroup = cmdutil.AddAPIGroupFlag(cmd)
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Every namespace")
	o.prometheus = cmdutil.AddPrometheusFlags(cmd, false)
}

// Complete reads the flags and builds the session.
func (o *Options) Complete() error {
	var err error
	if o.promConfig, _, err = o.prometheus.Config(o.Getenv); err != nil {
		return err
	}
	if o.promConfig.Disabled {
		return fmt.Errorf("metrics shows what Prometheus knows: it cannot run with --no-prometheus")
	}
	if ns := o.configFlags.Namespace; ns != nil {
		if err := cmdutil.ValidateNamespaceFlag("--namespace", *ns); err != nil {
			return err
		}
	}
	if o.session, err = cmdutil.NewSession(o.configFlags, o.ErrOut); err != nil {
		return err
	}
	if !o.AllNamespaces {
		o.namespace = o.session.Namespace
	}
	return nil
}

// Run asks Prometheus and lists the backups at once, joins them, prints.
// Prometheus is this verb's one source of figures: when it cannot be
// used, that is the command's error. Backups that cannot be listed leave
// their rows out and say so.
func (o *Options) Run(ctx context.Context) error {
	ctx, cancel := o.session.OneShot(ctx)
	defer cancel()
	now := o.Now()
	type answer struct {
		out promapi.Outcome
		f   *promapi.Fleet
	}
	prom := make(chan answer, 1)
	go func() {
		cctx, cancel := context.WithTimeout(ctx, 2*o.promConfig.Timeout)
		defer cancel()
		out := promapi.Connect(cctx, o.promConfig, o.session.PrometheusKube(), o.namespace)
		var f *promapi.Fleet
		if out.Client != nil {
			fctx, cancel := context.WithTimeout(ctx, o.promConfig.Timeout)
			defer cancel()
			f = out.Client.Fleet(fctx, o.namespace, now)
		}
		prom <- answer{out, f}
	}()
	st := fleet.Collect(ctx, []fleet.Source{{Clients: o.session.Clients, Namespace: o.namespace}}, fleet.Options{
		APIGroup: o.apiGroup.Value(),
		Now:      now,
		Diagnose: diagnose.Options{CheckpointLag: diagnose.DefaultCheckpointLag},
		Parallel: 8,
	})
	a := <-prom
	switch {
	case a.out.Error != "":
		return fmt.Errorf("Prometheus at %s", a.out.Error)
	case a.out.Skipped != "":
		return fmt.Errorf("%s", a.out.Skipped)
	}
	list := fleet.NewMetricsList(now)
	list.Prometheus = a.f.Where
	list.AddMetrics(st.Items, a.f)
	for _, n := range []string{a.f.RetriesNote, a.f.TasksNote} {
		if n != "" {
			list.Notes = append(list.Notes, n)
		}
	}
	for _, e := range []string{a.f.RetriesError, a.f.AlertsError, a.f.TasksError} {
		if e != "" {
			list.Errors = append(list.Errors, "Prometheus: "+e)
		}
	}
	for _, e := range st.Errors {
		list.Errors = append(list.Errors, "backups: "+e.Message)
	}
	if len(st.Items) == 0 && len(st.Errors) > 0 && st.Errors[0].Err != nil {
		return cmdutil.ClusterError(st.Errors[0].Err, o.session)
	}
	if err := o.print(list); err != nil {
		return err
	}
	if err := cmdutil.InterruptedError(ctx, "the list is partial"); err != nil {
		return err
	}
	if len(list.Errors) > 0 {
		return fmt.Errorf("not everything could be read: %d errors (see above); the rest is shown", len(list.Errors))
	}
	return nil
}

func (o *Options) print(l *fleet.MetricsList) error {
	if f := o.output.Value(); f != "" {
		return output.Print(o.Out, f, l)
	}
	return render.MetricsList(o.Out, l, render.MetricsListOptions{
		Options:       render.Options{Color: render.ColorEnabled(o.Out, o.Getenv)},
		AllNamespaces: o.AllNamespaces,
	})
}
