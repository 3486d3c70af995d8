package status

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
	"github.com/logbackup/kubectl-logbackup/pkg/fleet"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/render"
)

const (
	maxLag = cmdutil.MaxDuration
	// parallel bounds the contexts, and the namespaces of the fallback
	// list, read at once.
	parallel = 8
)

// Output formats of -o besides json and yaml.
const (
	formatWide = "wide"
	formatName = "name"
)

// Options is the status command's state, kubectl style.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	output     *cmdutil.Enum
	apiGroup   *cmdutil.Enum
	prometheus *cmdutil.PrometheusFlags
	promConfig promapi.Config
	// metricsShown: a Prometheus answered, so -o wide has its columns.
	metricsShown bool

	AllNamespaces bool
	Failing       bool
	Watch         bool
	Contexts      []string
	AllContexts   bool
	CheckpointLag time.Duration

	sources []fleet.Source
	// sessions[i] is sources[i]'s session (nil when it could not be made).
	sessions []*cmdutil.Session
	// contextNames is the list read with --contexts/--all-contexts (nil
	// for the current context only).
	contextNames []string
	namespace    string
	session      *cmdutil.Session
	// Now and Getenv are injected so tests control time and colour.
	Now    func() time.Time
	Getenv func(string) string
}

// NewOptions sets the defaults.
func NewOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{configFlags: flags, IOStreams: streams, CheckpointLag: diagnose.DefaultCheckpointLag, Now: time.Now, Getenv: os.Getenv}
}

// AddFlags binds the command's own flags; kubectl's come from ConfigFlags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	o.output = cmdutil.AddOutputFlag(cmd, "wide adds the retry policy, the newest condition and the verdict; name prints backup.GROUP/NAME.",
		formatWide, output.JSON, output.YAML, formatName)
	o.apiGroup = cmdutil.AddAPIGroupFlag(cmd)
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List backups in every namespace")
	f.BoolVar(&o.Failing, "failing", false, "Show only backups that need attention (every state but Healthy); the summary still counts all")
	f.BoolVarP(&o.Watch, "watch", "w", false, "After the list, keep watching and show backups as they change (text or -o json, one object per line)")
	f.StringSliceVar(&o.Contexts, "contexts", nil, "Read these kubeconfig contexts at once (comma-separated) and add a CONTEXT column")
	f.BoolVar(&o.AllContexts, "all-contexts", false, "Read every context of the kubeconfig at once")
	_ = cmd.RegisterFlagCompletionFunc("contexts", cmdutil.CompleteContextList(o.configFlags))
	cmdutil.AddDurationRange(cmd, &o.CheckpointLag, "checkpoint-lag", 0, maxLag, "A running log backup whose checkpoint is older than this is Lagging; 0 turns the check off")
	o.prometheus = cmdutil.AddPrometheusFlags(cmd, false)
}

// Complete builds a session per context.
func (o *Options) Complete(cmd *cobra.Command) error {
	if cmd.Flags().Changed("contexts") && len(o.Contexts) == 0 {
		return fmt.Errorf("--contexts: no context named; give a comma-separated list, e.g. --contexts prod-east,prod-west")
	}
	if ns := o.configFlags.Namespace; ns != nil {
		if err := cmdutil.ValidateNamespaceFlag("--namespace", *ns); err != nil {
			return err
		}
	}
	var err error
	if o.promConfig, _, err = o.prometheus.Config(o.Getenv); err != nil {
		return err
	}
	multi := o.AllContexts || len(o.Contexts) > 0
	if !multi {
		s, err := cmdutil.NewSession(o.configFlags, o.ErrOut)
		if err != nil {
			return err
		}
		o.session, o.namespace = s, s.Namespace
		o.sources = []fleet.Source{{Clients: s.Clients, Namespace: o.scope(s.Namespace)}}
		o.sessions = []*cmdutil.Session{s}
		return nil
	}
	if set := cmdutil.ContextFlagsSet(o.configFlags); len(set) > 0 {
		return fmt.Errorf("%s cannot be used with --contexts or --all-contexts, which pick the clusters themselves", strings.Join(set, " and "))
	}
	if o.AllContexts && len(o.Contexts) > 0 {
		return fmt.Errorf("--contexts and --all-contexts cannot be used together; give one")
	}
	names, err := cmdutil.ResolveContexts(o.configFlags, o.Contexts, o.AllContexts)
	if err != nil {
		return err
	}
	o.contextNames = names
	for _, name := range names {
		src := fleet.Source{Context: name}
		s, err := cmdutil.NewSession(cmdutil.ForContext(o.configFlags, name), o.ErrOut)
		if err != nil {
			src.Err = err
		} else {
			src.Clients, src.Namespace = s.Clients, o.scope(s.Namespace)
			if o.session == nil {
				o.session = s
			}
			if o.namespace == "" {
				o.namespace = s.Namespace
			}
		}
		o.sources = append(o.sources, src)
		o.sessions = append(o.sessions, s)
	}
	return nil
}

// scope is the namespace a source reads: "" for -A.
func (o *Options) scope(ns string) string {
	if o.AllNamespaces {
		return ""
	}
	return ns
}

// Validate checks what the flag types cannot check alone.
func (o *Options) Validate() error {
	if o.Watch {
		switch o.output.Value() {
		case "", formatWide, output.JSON:
		default:
			return fmt.Errorf("--watch prints changes as they come: use it with text, -o wide or -o json (one object per line), not -o %s", o.output.Value())
		}
	}
	return nil
}

// Run lists (or watches), then prints.
func (o *Options) Run(ctx context.Context) error {
	if o.Watch {
		return o.watch(ctx)
	}
	// Prometheus is asked while the backups are listed (-o wide only).
	metrics := o.askPrometheus(ctx)
	st, err := o.list(ctx)
	if err != nil {
		return err
	}
	o.metricsShown = o.addMetrics(st, metrics())
	if err := o.unreachable(st); err != nil {
		return err
	}
	if err := o.print(st); err != nil {
		return err
	}
	if err := cmdutil.InterruptedError(ctx, "the list is partial"); err != nil {
		return err
	}
	return o.failures(st)
}

func (o *Options) fleetOptions() fleet.Options {
	return fleet.Options{
		APIGroup: o.apiGroup.Value(),
		Failing:  o.Failing,
		Now:      o.Now(),
		Diagnose: diagnose.Options{CheckpointLag: o.CheckpointLag},
		Parallel: parallel,
	}
}

func (o *Options) list(ctx context.Context) (*fleet.Status, error) {
	deadline := cmdutil.DefaultDeadline
	if o.session != nil {
		deadline = o.session.Deadline
	}
	lctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	st := fleet.Collect(lctx, o.sources, o.fleetOptions())
	_, st.Interrupted = cmdutil.Interrupted(ctx)
	return st, nil
}

// unreachable: with one cluster (no --contexts), a cluster that cannot
// be reached at all is the command's one error line, as in every verb.
func (o *Options) unreachable(st *fleet.Status) error {
	if o.contextNames != nil || st.Summary.Total > 0 {
		return nil
	}
	for _, e := range st.Errors {
		if e.Group == "" && e.Err != nil {
			if errors.Is(e.Err, backupapi.ErrNoBackupAPI) {
				return e.Err
			}
			return cmdutil.ClusterError(e.Err, o.session)
		}
	}
	return nil
}

// failures turns what could not be read into the exit code, after
// everything that could was printed: one line on stderr, exit 1.
func (o *Options) failures(st *fleet.Status) error {
	if len(st.Errors) == 0 {
		return nil
	}
	where := "see the error lines above"
	if f := o.output.Value(); f == output.JSON || f == output.YAML {
		where = "see errors[] in the output"
	}
	if st.Summary.Total == 0 {
		return fmt.Errorf("no backup could be read: %s (%s)", plural(len(st.Errors), "error"), where)
	}
	return fmt.Errorf("not everything could be read: %s (%s); the rest is shown", plural(len(st.Errors), "error"), where)
}

func plural(n int, w string) string {
	if n == 1 {
		return "1 " + w
	}
	return fmt.Sprintf("%d %ss", n, w)
}

func (o *Options) print(st *fleet.Status) error {
	switch f := o.output.Value(); f {
	case output.JSON:
		// Item by item: ten thousand rows are never encoded whole.
		env := *st
		env.Items = []fleet.Row{}
		return output.PrintJSONList(o.Out, &env, len(st.Items), func(i int) any { return st.Items[i] })
	case output.YAML:
		return output.Print(o.Out, f, st)
	case formatName:
		// Names only on stdout, for scripts; what could not be read goes
		// to stderr, so it is still said.
		if err := render.StatusProblems(o.ErrOut, st, render.Options{Color: render.ColorEnabled(o.ErrOut, o.Getenv)}); err != nil {
			return err
		}
		return render.StatusNames(o.Out, st)
	}
	return render.Status(o.Out, st, o.renderOptions())
}

func (o *Options) renderOptions() render.StatusOptions {
	return render.StatusOptions{
		Options: render.Options{Color: render.ColorEnabled(o.Out, o.Getenv)},
		Wide:    o.output.Value() == formatWide,
		// Several contexts may each have their own default namespace.
		AllNamespaces: o.AllNamespaces || len(o.contextNames) > 1,
		Contexts:      o.contextNames != nil,
		Namespace:     o.namespace,
		Failing:       o.Failing,
		Metrics:       o.metricsShown,
	}
}

func usageError(cmd *cobra.Command, format string, a ...any) error {
	return fmt.Errorf("%s; see '%s --help'", fmt.Sprintf(format, a...), cmd.CommandPath())
}
