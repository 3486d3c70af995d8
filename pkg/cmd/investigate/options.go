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
	"github.com/logbackup/kubectl-logbackup/pkg/render"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Options is the investigate command's state, kubectl style: flags are
// bound to fields, Complete fills the rest, Validate checks, Run acts.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	PrintFlags  *genericclioptions.PrintFlags
	genericiooptions.IOStreams

	APIGroup            string
	Tail                int64
	ControllerTail      int
	ControllerNamespace string
	ControllerSelector  string
	Since               time.Duration
	LimitBytes          int64
	CheckpointLag       time.Duration
	Parallel            int // bound on concurrent API requests; not a flag

	ref     backup.Ref
	session *cmdutil.Session
	// Now and Getenv are injected so tests control time and colour.
	Now    func() time.Time
	Getenv func(string) string
}

// NewOptions sets the defaults.
func NewOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{
		configFlags:    flags,
		PrintFlags:     genericclioptions.NewPrintFlags(""),
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
	f.StringVarP(o.PrintFlags.OutputFormat, "output", "o", "", "Output format: json or yaml (default: text).")
	cmdutil.AddAPIGroupFlag(cmd, &o.APIGroup)
	f.Int64Var(&o.Tail, "tail", o.Tail, "Lines of the failed backup pod's log to show.")
	f.IntVar(&o.ControllerTail, "controller-tail", o.ControllerTail, "Controller log lines about the backup to show (the last ones).")
	f.StringVar(&o.ControllerNamespace, "controller-namespace", "", "Namespace of the operator's controller pods. Default: search every namespace.")
	f.StringVar(&o.ControllerSelector, "controller-selector", "", "Label selector of the controller pods. Default: "+gather.ControllerSelectorV1+" (v1) or "+gather.ControllerSelectorV2+" (v2).")
	f.DurationVar(&o.Since, "since", 0, "Read controller logs newer than this (e.g. 2h). Default: from 5 minutes before the first retry.")
	f.Int64Var(&o.LimitBytes, "limit-bytes", o.LimitBytes, "Most bytes read from each log.")
	f.DurationVar(&o.CheckpointLag, "checkpoint-lag", o.CheckpointLag, "Report a running log backup whose checkpoint is older than this.")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
}

// Complete resolves the namespace and builds the clients.
func (o *Options) Complete(args []string) error {
	s, err := cmdutil.NewSession(o.configFlags)
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

// Validate checks the flags.
func (o *Options) Validate() error {
	if err := cmdutil.ValidateAPIGroup(o.APIGroup); err != nil {
		return err
	}
	if err := cmdutil.ValidateNamespaceFlag("--controller-namespace", o.ControllerNamespace); err != nil {
		return err
	}
	if err := cmdutil.ValidateSelectorFlag("--controller-selector", o.ControllerSelector); err != nil {
		return err
	}
	switch {
	case o.Tail <= 0:
		return fmt.Errorf("invalid --tail %d: must be at least 1", o.Tail)
	case o.ControllerTail < 0:
		return fmt.Errorf("invalid --controller-tail %d: must be 0 or more", o.ControllerTail)
	case o.LimitBytes <= 0:
		return fmt.Errorf("invalid --limit-bytes %d: must be at least 1", o.LimitBytes)
	case o.Since < 0:
		return fmt.Errorf("invalid --since %s: must be positive", o.Since)
	}
	if f := *o.PrintFlags.OutputFormat; f != "" && f != "json" && f != "yaml" {
		return fmt.Errorf("invalid --output %q: use json or yaml, or leave it out for text", f)
	}
	return nil
}

// Run gathers, diagnoses and renders, in that order.
func (o *Options) Run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.session.Timeout)
	defer cancel()
	now := o.Now()
	rep, err := gather.Investigate(ctx, o.session.Clients, o.ref, gather.Options{
		APIGroup:            o.APIGroup,
		Tail:                o.Tail,
		ControllerTail:      o.ControllerTail,
		ControllerNamespace: o.ControllerNamespace,
		ControllerSelector:  o.ControllerSelector,
		Since:               o.Since,
		LimitBytes:          o.LimitBytes,
		Parallel:            o.Parallel,
		Now:                 now,
	})
	if err != nil {
		return cmdutil.ClusterError(err, o.session)
	}
	rep.Diagnosis = diagnose.Diagnose(rep, diagnose.Options{CheckpointLag: o.CheckpointLag})
	return o.print(rep)
}

func (o *Options) print(rep *report.Report) error {
	if *o.PrintFlags.OutputFormat == "" {
		return render.Text(o.Out, rep, render.TextOptions{Color: render.ColorEnabled(o.Out, o.Getenv)})
	}
	p, err := o.PrintFlags.ToPrinter()
	if err != nil {
		return err
	}
	return p.PrintObj(rep, o.Out)
}

func usageError(cmd *cobra.Command, format string, a ...any) error {
	return fmt.Errorf("%s; see '%s --help'", fmt.Sprintf(format, a...), cmd.CommandPath())
}
