package investigate

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/render"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/timeline"
)

// Ranges of the numeric flags: wide enough for any real use, small enough
// that memory stays bounded (each kept line is at most gather.MaxLineBytes).
const (
	maxTail       = 10000
	maxLimitBytes = cmdutil.MaxLimitBytes
	maxSince      = cmdutil.MaxDuration
)

// Options is the investigate command's state, kubectl style: flags are
// bound to fields, Complete fills the rest, Validate checks, Run acts.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	output     *cmdutil.Enum
	apiGroup   *cmdutil.Enum
	prometheus *cmdutil.PrometheusFlags

	Tail                int64
	ControllerTail      int64
	ControllerNamespace string
	ControllerSelector  string
	Since               time.Duration
	LimitBytes          int64
	CheckpointLag       time.Duration
	Timeline            bool
	Parallel            int // bound on concurrent API requests; not a flag

	ref        backup.Ref
	session    *cmdutil.Session
	promConfig promapi.Config
	taskLabels promapi.Matchers
	// Now and Getenv are injected so tests control time and colour.
	Now    func() time.Time
	Getenv func(string) string
}

// NewOptions sets the defaults.
func NewOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{
		configFlags:    flags,
		IOStreams:      streams,
		Tail:           20,
		ControllerTail: 20,
		LimitBytes:     8 << 20,
		CheckpointLag:  diagnose.DefaultCheckpointLag,
		Parallel:       8,
		Now:            time.Now,
		Getenv:         os.Getenv,
	}
}

// AddFlags binds the command's own flags; kubectl's come from ConfigFlags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	o.output = cmdutil.AddOutputFlag(cmd, "The same report as data; the schema is in docs/output.md.")
	o.apiGroup = cmdutil.AddAPIGroupFlag(cmd)
	cmdutil.AddInt64Range(cmd, &o.Tail, "tail", 1, maxTail, "Lines of the failed backup pod's log to show")
	cmdutil.AddInt64Range(cmd, &o.ControllerTail, "controller-tail", 0, maxTail, "Controller log lines about the backup to show (the last ones)")
	f.StringVar(&o.ControllerNamespace, "controller-namespace", "", "Namespace of the operator's controller pods. Default: search every namespace.")
	f.StringVar(&o.ControllerSelector, "controller-selector", "", "Label selector of the controller pods. Default: "+gather.ControllerSelectorV1+" (v1) or "+gather.ControllerSelectorV2+" (v2).")
	cmdutil.AddDurationRange(cmd, &o.Since, "since", 0, maxSince, "Read controller logs newer than this, e.g. 2h; 0 reads from 5 minutes before the first retry")
	cmdutil.AddInt64Range(cmd, &o.LimitBytes, "limit-bytes", 1, maxLimitBytes, "Most bytes read from each log")
	cmdutil.AddDurationRange(cmd, &o.CheckpointLag, "checkpoint-lag", 0, maxSince, "Report a running log backup whose checkpoint is older than this; 0 turns the check off")
	f.BoolVar(&o.Timeline, "timeline", false, "Add a timeline: every dated thing read, grouped by cause (first run, each retry), with the delays that matter; with -o json|yaml, a timeline field")
	o.prometheus = cmdutil.AddPrometheusFlags(cmd, true)
}

// Complete resolves the namespace and builds the clients.
func (o *Options) Complete(args []string) error {
	var err error
	if o.promConfig, o.taskLabels, err = o.prometheus.Config(o.Getenv); err != nil {
		return err
	}
	s, err := cmdutil.NewSession(o.configFlags, o.ErrOut)
	if err != nil {
		return err
	}
	o.session = s
	ref, err := cmdutil.ParseRef(args[0], o.configFlags, s)
	if err != nil {
		return err
	}
	o.ref = ref
	return nil
}

// Validate checks the flags that the flag types cannot check alone.
func (o *Options) Validate() error {
	if err := cmdutil.ValidateNamespaceFlag("--controller-namespace", o.ControllerNamespace); err != nil {
		return err
	}
	return cmdutil.ValidateSelectorFlag("--controller-selector", o.ControllerSelector)
}

// Run gathers, diagnoses and renders, in that order. An interrupt (Ctrl-C)
// still renders what was read, marked partial, and exits 130.
func (o *Options) Run(ctx context.Context) error {
	gctx, cancel := o.session.OneShot(ctx)
	defer cancel()
	now := o.Now()
	rep, err := gather.Investigate(gctx, o.session.Clients, o.ref, gather.Options{
		APIGroup:            o.apiGroup.Value(),
		Tail:                o.Tail,
		ControllerTail:      int(o.ControllerTail),
		ControllerNamespace: o.ControllerNamespace,
		ControllerSelector:  o.ControllerSelector,
		Since:               o.Since,
		LimitBytes:          o.LimitBytes,
		Parallel:            o.Parallel,
		Now:                 now,
		Timeline:            o.Timeline,
		Prometheus: &gather.Prometheus{
			Config:     o.promConfig,
			Kube:       o.session.PrometheusKube(),
			TaskLabels: o.taskLabels,
			// A timeline shows the alerts' transitions and the
			// checkpoint's last movement: only it asks for them.
			History: o.Timeline,
		},
	})
	if err != nil {
		if ierr := cmdutil.InterruptedError(ctx, "backup %s was not read", o.ref); ierr != nil {
			return ierr
		}
		return cmdutil.ClusterError(err, o.session)
	}
	_, rep.Interrupted = cmdutil.Interrupted(ctx)
	rep.Diagnosis = diagnose.Diagnose(rep, diagnose.Options{CheckpointLag: o.CheckpointLag})
	if o.Timeline {
		tl := timeline.BuildWith(rep, timeline.Options{CheckpointLag: o.CheckpointLag})
		rep.Timeline = &tl
	}
	if err := o.print(rep); err != nil {
		return err
	}
	return cmdutil.InterruptedError(ctx, "the report is partial: the sections not read say so")
}

func (o *Options) print(rep *report.Report) error {
	if f := o.output.Value(); f != "" {
		return output.Print(o.Out, f, rep)
	}
	return render.Investigation(o.Out, rep, render.Options{Color: render.ColorEnabled(o.Out, o.Getenv)})
}

func usageError(cmd *cobra.Command, format string, a ...any) error {
	return fmt.Errorf("%s; see '%s --help'", fmt.Sprintf(format, a...), cmd.CommandPath())
}
