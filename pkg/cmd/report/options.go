package reportcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/bundle"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/render"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
	"github.com/logbackup/kubectl-logbackup/pkg/timeline"
)

// Ranges and defaults of the numeric flags.
const (
	maxTail        = 10000
	maxBackups     = 10000
	defaultBackups = 100
	minMaxBytes    = 1 << 20
	maxMaxBytes    = 64 << 30
	defaultMaxB    = 1 << 30
	// reportTail is the failed pod's log lines in report.txt/json: the
	// whole logs are in logs/.
	reportTail = 50
)

// Options is the report command's state, kubectl style: flags are bound
// to fields, Complete fills the rest, Validate checks, Run acts.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	format     *cmdutil.Enum
	apiGroup   *cmdutil.Enum
	prometheus *cmdutil.PrometheusFlags

	AllNamespaces       bool
	OutputFile          string
	RedactNames         bool
	Since               time.Duration
	LimitBytes          int64
	MaxBytes            int64
	MaxBackups          int64
	ControllerTail      int64
	ControllerNamespace string
	ControllerSelector  string
	Parallel            int // bound on concurrent API requests; not a flag

	ref        *backup.Ref
	namespace  string // "" with -A
	session    *cmdutil.Session
	promConfig promapi.Config
	taskLabels promapi.Matchers
	// Now, Getenv and Terminal are injected so tests control time, the
	// environment and whether progress is shown.
	Now      func() time.Time
	Getenv   func(string) string
	Terminal func(io.Writer) bool
}

// NewOptions sets the defaults.
func NewOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{
		configFlags:    flags,
		IOStreams:      streams,
		LimitBytes:     8 << 20,
		MaxBytes:       defaultMaxB,
		MaxBackups:     defaultBackups,
		ControllerTail: 1000,
		Parallel:       8,
		Now:            time.Now,
		Getenv:         os.Getenv,
		Terminal:       func(w io.Writer) bool { return render.IsTerminal(w, os.Getenv) },
	}
}

// AddFlags binds the command's own flags; kubectl's come from ConfigFlags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	o.format = cmdutil.AddEnum(cmd, "output", "o", bundle.FormatZip,
		"Bundle format: zip (one file) or dir (a folder). It is the bundle's format: the command itself prints only the path and a summary.",
		bundle.FormatZip, bundle.FormatDir)
	o.apiGroup = cmdutil.AddAPIGroupFlag(cmd)
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Every backup in every namespace (at most --max-backups)")
	f.StringVar(&o.OutputFile, "output-file", "", "Where to write the bundle; it must not exist. Default: logbackup-report-<UTC time>.zip (or the folder of that name with -o dir)")
	f.BoolVar(&o.RedactNames, "redact-names", false, "Also replace namespace, backup, bucket and prefix names by keyed hashes, everywhere in the bundle, to share it outside the company")
	cmdutil.AddDurationRange(cmd, &o.Since, "since", 0, cmdutil.MaxDuration, "Read pod logs and controller lines newer than this, e.g. 24h; 0 reads the pod logs whole (up to --limit-bytes) and the controller from a little before the first retry")
	cmdutil.AddInt64Range(cmd, &o.LimitBytes, "limit-bytes", 1, cmdutil.MaxLimitBytes, "Most bytes kept of each log; a longer log keeps its first half and its last lines, and says so in the bundle")
	cmdutil.AddInt64Range(cmd, &o.MaxBytes, "max-bytes", minMaxBytes, maxMaxBytes, "Most bytes of logs in the whole bundle; past it the remaining logs are left out, each with a note")
	cmdutil.AddInt64Range(cmd, &o.MaxBackups, "max-backups", 1, maxBackups, "Most backups in the bundle; the others are counted in a note")
	cmdutil.AddInt64Range(cmd, &o.ControllerTail, "controller-tail", 0, maxTail, "Controller log lines about each backup to keep (the last ones)")
	f.StringVar(&o.ControllerNamespace, "controller-namespace", "", "Namespace of the operator's controller pods. Default: search every namespace.")
	f.StringVar(&o.ControllerSelector, "controller-selector", "", "Label selector of the controller pods. Default: "+gather.ControllerSelectorV1+" (v1) or "+gather.ControllerSelectorV2+" (v2).")
	o.prometheus = cmdutil.AddPrometheusFlags(cmd, true)
}

// Complete resolves the backups to read, the output path and the clients.
func (o *Options) Complete(cmd *cobra.Command, args []string) error {
	if len(args) == 1 && o.AllNamespaces {
		return fmt.Errorf("a backup and -A cannot be used together; give one")
	}
	var err error
	if o.promConfig, o.taskLabels, err = o.prometheus.Config(o.Getenv); err != nil {
		return err
	}
	if cmd.Flags().Changed("output-file") && o.OutputFile == "" {
		return fmt.Errorf("--output-file is empty: give a path, or leave the flag out for logbackup-report-TIME")
	}
	if o.OutputFile == "" {
		o.OutputFile = "logbackup-report-" + o.Now().UTC().Format("20060102T150405Z")
		if o.format.Value() == bundle.FormatZip {
			o.OutputFile += ".zip"
		}
	}
	s, err := cmdutil.NewSession(o.configFlags, o.ErrOut)
	if err != nil {
		return err
	}
	o.session = s
	switch {
	case len(args) == 1:
		ref, err := cmdutil.ParseRef(args[0], o.configFlags, s)
		if err != nil {
			return err
		}
		o.ref = &ref
	case !o.AllNamespaces:
		o.namespace = s.Namespace
		if err := cmdutil.ValidateNamespaceFlag("--namespace", o.namespace); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks what the flag types cannot check alone, before anything
// is read: an output path that is taken fails at once.
func (o *Options) Validate() error {
	if err := cmdutil.ValidateNamespaceFlag("--controller-namespace", o.ControllerNamespace); err != nil {
		return err
	}
	if err := cmdutil.ValidateSelectorFlag("--controller-selector", o.ControllerSelector); err != nil {
		return err
	}
	return bundle.CheckFree(o.OutputFile)
}

// Run lists the backups, then for each gathers, diagnoses and writes its
// folder, one backup at a time. A backup that cannot be read is a note;
// Ctrl-C ends the list and keeps the backups written, marked partial.
func (o *Options) Run(ctx context.Context) error {
	lctx, cancel := o.session.OneShot(ctx)
	targets, more, apis, err := bundle.Targets(lctx, o.session.Clients, bundle.TargetQuery{
		APIGroup: o.apiGroup.Value(), Ref: o.ref, Namespace: o.namespace, Max: int(o.MaxBackups)})
	cancel()
	if err != nil {
		if ierr := cmdutil.InterruptedError(ctx, "no bundle was written"); ierr != nil {
			return ierr
		}
		return cmdutil.ClusterError(err, o.session)
	}
	b, err := bundle.Create(bundle.Options{Format: o.format.Value(), Path: o.OutputFile, RedactNames: o.RedactNames,
		LimitBytes: o.LimitBytes, MaxBytes: o.MaxBytes})
	if err != nil {
		return err
	}
	for _, t := range targets {
		b.Register(t.Object) // every name is known before any file names one
	}
	if more > 0 {
		b.Note("%d more backups were not read: --max-backups=%d", more, o.MaxBackups)
	}
	reader := bundle.Reader{Clients: o.session.Clients, Bound: o.session.OneShot, Since: o.Since}
	versions := b.ReadVersions(ctx, reader, bundle.VersionQuery{APIs: apis, Namespace: o.ControllerNamespace,
		Selectors: o.controllerSelectors(targets), Now: o.Now()})

	progress := o.ref == nil && o.Terminal(o.ErrOut)
	var firstErr error
	read := 0
	for i, t := range targets {
		if _, stop := cmdutil.Interrupted(ctx); stop {
			break
		}
		if progress {
			fmt.Fprintf(o.ErrOut, "\r\x1b[K[%d/%d] %s", i+1, len(targets), text.OneLine(t.Ref().String()))
		}
		ok, err := o.addBackup(ctx, b, reader, t)
		if err != nil {
			b.Abort()
			return fmt.Errorf("cannot write %s: %v", o.OutputFile, err)
		}
		if ok == nil {
			read++
		} else if firstErr == nil {
			firstErr = ok
		}
	}
	if progress {
		fmt.Fprint(o.ErrOut, "\r\x1b[K")
	}
	_, interrupted := cmdutil.Interrupted(ctx)
	if read == 0 {
		b.Abort()
		if interrupted {
			return cmdutil.InterruptedError(ctx, "no bundle was written")
		}
		return fmt.Errorf("no backup could be read, so no bundle was written: %w", firstErr)
	}
	if err := b.Commit(versions, interrupted); err != nil {
		return err
	}
	partial := ""
	if interrupted {
		partial = ", partial: interrupted"
	}
	fmt.Fprintf(o.Out, "%s: %s, %s%s\n", o.OutputFile, text.Plural(read, "backup"), text.Plural(b.Notes(), "note"), partial)
	return cmdutil.InterruptedError(ctx, "the bundle %s is partial: its notes.txt says so", o.OutputFile)
}

// addBackup gathers one backup and writes its folder. readErr says the
// backup itself could not be read (a note); err that the bundle could
// not be written.
func (o *Options) addBackup(ctx context.Context, b *bundle.Bundle, reader bundle.Reader, t bundle.Target) (readErr, err error) {
	ref := t.Ref()
	gctx, cancel := o.session.OneShot(ctx)
	defer cancel()
	now := o.Now()
	rep, err := gather.Investigate(gctx, o.session.Clients, ref, gather.Options{
		APIGroup:            t.API.Group,
		Tail:                reportTail,
		ControllerTail:      int(o.ControllerTail),
		ControllerNamespace: o.ControllerNamespace,
		ControllerSelector:  o.ControllerSelector,
		Since:               o.Since,
		LimitBytes:          o.LimitBytes,
		Parallel:            o.Parallel,
		Now:                 now,
		// The bundle holds a timeline: its extra reads (the pod log's
		// first error, Prometheus' history) run.
		Timeline: true,
		Prometheus: &gather.Prometheus{
			Config:     o.promConfig,
			Kube:       o.session.PrometheusKube(),
			TaskLabels: o.taskLabels,
			History:    true,
		},
	})
	if err != nil {
		if _, stop := cmdutil.Interrupted(ctx); stop {
			// The cause is the interrupt, not the connection it cut.
			b.Note("%s: not read: interrupted", ref)
			return errors.New("interrupted"), nil
		}
		msg := strings.TrimPrefix(cmdutil.OneLine(cmdutil.ClusterError(err, o.session)), "error: ")
		b.Note("%s: not read: %s", ref, msg)
		return errors.New(msg), nil
	}
	_, rep.Interrupted = cmdutil.Interrupted(ctx)
	rep.Diagnosis = diagnose.Diagnose(rep, diagnose.Options{CheckpointLag: diagnose.DefaultCheckpointLag})
	tl := timeline.Build(rep)
	rep.Timeline = &tl
	return nil, b.Add(ctx, reader, bundle.Item{Report: rep, Object: t.Object})
}

// controllerSelectors: --controller-selector, or the default of each
// operator whose backups are in the bundle.
func (o *Options) controllerSelectors(targets []bundle.Target) []string {
	if o.ControllerSelector != "" {
		return []string{o.ControllerSelector}
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range targets {
		sel := gather.ControllerSelectorFor(t.API.Group)
		if !seen[sel] {
			seen[sel] = true
			out = append(out, sel)
		}
	}
	return out
}
