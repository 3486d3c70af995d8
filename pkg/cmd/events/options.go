package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/render"
	"github.com/logbackup/kubectl-logbackup/pkg/stream"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// maxSince: events live an hour by default; a cluster may keep them
// longer, but not beyond a year.
const maxSince = cmdutil.MaxDuration

// eventTypes are the values of --types (the API server knows no others).
func eventTypes() []string { return []string{"Normal", "Warning"} }

// Options is the events command's state, kubectl style.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	output   *cmdutil.Enum
	apiGroup *cmdutil.Enum

	AllNamespaces bool
	Watch         bool
	Since         time.Duration
	Types         typesFlag

	namespace string // "" = all namespaces
	backup    string // one backup's name, or ""
	session   *cmdutil.Session
	// Now and Getenv are injected so tests control time and colour.
	Now    func() time.Time
	Getenv func(string) string

	errMu sync.Mutex // warnings come from the stream's goroutines
}

// NewOptions sets the defaults.
func NewOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{configFlags: flags, IOStreams: streams, Now: time.Now, Getenv: os.Getenv}
}

// AddFlags binds the command's own flags; kubectl's come from ConfigFlags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	o.output = cmdutil.AddOutputFlag(cmd, "Without --watch one BackupEventList; with --watch (json only) one BackupEvent per line. The schema is in docs/output.md.")
	o.apiGroup = cmdutil.AddAPIGroupFlag(cmd)
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "The events of backups in every namespace")
	f.BoolVarP(&o.Watch, "watch", "w", false, "After the list, print new and updated events until Ctrl-C")
	cmdutil.AddDurationRange(cmd, &o.Since, "since", 0, maxSince, "Only events last seen within this time, e.g. 30m; 0 shows all")
	f.Var(&o.Types, "types", "Only events of these types, a comma list of "+strings.Join(eventTypes(), ", "))
	_ = cmd.RegisterFlagCompletionFunc("types", cobra.FixedCompletions(eventTypes(), cobra.ShellCompDirectiveNoFileComp))
}

// Complete resolves the scope and builds the clients.
func (o *Options) Complete(args []string) error {
	if len(args) == 1 && o.AllNamespaces {
		return errors.New("a backup argument and -A cannot be used together; give NAMESPACE/NAME, or -A alone")
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
		o.namespace, o.backup = ref.Namespace, ref.Name
	case !o.AllNamespaces:
		o.namespace = s.Namespace
		if err := cmdutil.ValidateNamespaceFlag("--namespace", o.namespace); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks what the flag types cannot check alone.
func (o *Options) Validate() error {
	if o.Watch && o.output.Value() == output.YAML {
		return errors.New("--watch prints text or -o json (one object per line), not -o yaml; drop --watch or use -o json")
	}
	return nil
}

// Run finds the Backup APIs and what the user may read, then lists (and
// with --watch follows) the events. Ctrl-C ends a watch with exit 0.
func (o *Options) Run(ctx context.Context) error {
	opts, err := o.scope(ctx)
	if err != nil {
		if ierr := cmdutil.InterruptedError(ctx, "no events were read"); ierr != nil {
			return o.watchInterrupt(ierr)
		}
		return o.hint(cmdutil.ClusterError(err, o.session))
	}
	clients, runCtx, cancel := o.session.Clients, ctx, context.CancelFunc(func() {})
	if o.Watch {
		if clients, err = o.session.StreamClients(); err != nil {
			return err
		}
	} else {
		runCtx, cancel = o.session.OneShot(ctx)
	}
	defer cancel()
	emit, flush := o.printer()
	err = stream.Events(runCtx, clients, opts, emit)
	if _, interrupted := cmdutil.Interrupted(ctx); interrupted {
		if o.Watch {
			return nil // the normal end of a watch
		}
		return cmdutil.InterruptedError(ctx, "the list of events was not finished")
	}
	if err != nil {
		return o.hint(cmdutil.ClusterError(err, o.session))
	}
	return flush()
}

// watchInterrupt: Ctrl-C before a watch started is still its normal end.
func (o *Options) watchInterrupt(err error) error {
	if o.Watch {
		return nil
	}
	return err
}

// scope discovers the served groups and checks access, within the
// one-shot deadline; gaps and refused parts become warnings.
func (o *Options) scope(ctx context.Context) (stream.Options, error) {
	ctx, cancel := o.session.OneShot(ctx)
	defer cancel()
	apis, err := backupapi.Discover(ctx, o.session.Clients.Kube.Discovery().RESTClient(), o.apiGroup.Value())
	if err != nil {
		return stream.Options{}, err
	}
	served := apis
	if o.backup != "" {
		// The backup must exist, once: a name that is in neither group
		// (or in both) is an error, as in every verb that takes one.
		found, err := backupapi.Find(ctx, o.session.Clients.Dynamic, apis, backup.Ref{Namespace: o.namespace, Name: o.backup})
		if err != nil {
			return stream.Options{}, err
		}
		apis = []backupapi.API{found.API}
	}
	opts := stream.Options{
		Namespace: o.namespace, Backup: o.backup, APIs: apis, Jobs: true, Pods: true,
		Types: o.Types.values, Since: o.Since, Watch: o.Watch, Now: o.Now, Warn: o.warn,
	}
	opts, warnings, err := stream.CheckAccess(ctx, o.session.Clients, opts)
	if err != nil {
		return opts, err
	}
	for _, w := range append(stream.Gaps(served, o.apiGroup.Value()), warnings...) {
		o.warn(w)
	}
	return opts, nil
}

// hint adds what to do to a refusal across all namespaces.
func (o *Options) hint(err error) error {
	var ae *backupapi.AccessError
	if o.namespace == "" && errors.As(err, &ae) && ae.Forbidden() {
		return fmt.Errorf("%w; to read one namespace, use -n NAMESPACE instead of -A", err)
	}
	return err
}

// warn says a gap or an outage on stderr, one line each.
func (o *Options) warn(msg string) {
	o.errMu.Lock()
	defer o.errMu.Unlock()
	fmt.Fprintln(o.ErrOut, "warning: "+text.OneLine(text.Cut(text.Redact(msg), 4096)))
}

// printer returns the emit function for the stream and a flush for what
// is printed only at the end (the list object of -o json|yaml).
func (o *Options) printer() (emit func([]stream.Event) error, flush func() error) {
	format := o.output.Value()
	switch {
	case format != "" && o.Watch:
		return func(evs []stream.Event) error {
			for i := range evs {
				if err := printLine(o.Out, &evs[i]); err != nil {
					return err
				}
			}
			return nil
		}, func() error { return nil }
	case format != "":
		var all []stream.Event
		return func(evs []stream.Event) error {
				all = append(all, evs...)
				return nil
			}, func() error {
				return output.Print(o.Out, format, stream.NewEventList(all))
			}
	}
	table := render.NewEventTable(o.Out, render.EventOptions{
		Options:       render.Options{Color: render.ColorEnabled(o.Out, o.Getenv)},
		AllNamespaces: o.namespace == "",
		Now:           o.Now,
	})
	first := true
	return func(evs []stream.Event) error {
		if first && len(evs) == 0 {
			o.errMu.Lock()
			defer o.errMu.Unlock()
			first = false
			return render.NoEvents(o.ErrOut, o.namespace, o.Watch)
		}
		first = false
		return table.Write(evs)
	}, func() error { return nil }
}

// printLine writes one event as one line of JSON: output.Print's document
// (redacted, escaped) without its indentation.
func printLine(w io.Writer, ev *stream.Event) error {
	var doc, line bytes.Buffer
	if err := output.Print(&doc, output.JSON, ev); err != nil {
		return err
	}
	if err := json.Compact(&line, doc.Bytes()); err != nil {
		return err
	}
	line.WriteByte('\n')
	_, err := w.Write(line.Bytes())
	return err
}

// typesFlag is --types: a comma list of event types, checked as it is
// parsed, any case taken and written as the API server spells it.
type typesFlag struct{ values []string }

func (t *typesFlag) String() string { return strings.Join(t.values, ",") }
func (t *typesFlag) Type() string   { return "strings" }

func (t *typesFlag) Set(v string) error {
	types := eventTypes()
	var out []string
	for _, s := range strings.Split(v, ",") {
		i := slices.IndexFunc(types, func(e string) bool { return strings.EqualFold(e, strings.TrimSpace(s)) })
		if i < 0 {
			return fmt.Errorf("must be a comma list of %s", strings.Join(types, ", "))
		}
		if !slices.Contains(out, types[i]) {
			out = append(out, types[i])
		}
	}
	t.values = out
	return nil
}

func usageError(cmd *cobra.Command, format string, a ...any) error {
	return fmt.Errorf("%s; see '%s --help'", fmt.Sprintf(format, a...), cmd.CommandPath())
}
