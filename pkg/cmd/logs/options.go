package logs

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
	"github.com/logbackup/kubectl-logbackup/pkg/render"
	"github.com/logbackup/kubectl-logbackup/pkg/stream"
)

// Ranges of the numeric flags: memory is bounded by --tail lines of at
// most stream.MaxLineBytes per source, and by stream.MaxKeptBytes.
const (
	maxTail       = 10000
	maxLimitBytes = cmdutil.MaxLimitBytes
	maxSince      = cmdutil.MaxDuration
)

// Options is the logs command's state, kubectl style.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	apiGroup *cmdutil.Enum

	Controller          bool
	Job                 bool
	Since               time.Duration
	Tail                int64
	Follow              bool
	Timestamps          bool
	ControllerNamespace string
	ControllerSelector  string
	LimitBytes          int64
	Parallel            int // bound on concurrent reads; not a flag

	ref     backup.Ref
	session *cmdutil.Session
	// Getenv is injected so tests control colour.
	Getenv func(string) string
}

// NewOptions sets the defaults.
func NewOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{configFlags: flags, IOStreams: streams, Tail: 100, Parallel: 8, Getenv: os.Getenv}
}

// AddFlags binds the command's own flags; kubectl's come from ConfigFlags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	o.apiGroup = cmdutil.AddAPIGroupFlag(cmd)
	f.BoolVar(&o.Controller, "controller", false, "Only the controller's lines about the backup")
	f.BoolVar(&o.Job, "job", false, "Only the logs of the backup's pods (container backup)")
	cmdutil.AddDurationRange(cmd, &o.Since, "since", 0, maxSince, "Only lines newer than this, e.g. 1h; 0 reads whole logs")
	cmdutil.AddInt64Range(cmd, &o.Tail, "tail", 0, maxTail, "Last lines shown of each source (with -f, before following)")
	f.BoolVarP(&o.Follow, "follow", "f", false, "Follow every source, and the backup pods a retry starts, until Ctrl-C")
	f.BoolVar(&o.Timestamps, "timestamps", false, "Show the time the kubelet recorded for each line")
	f.StringVar(&o.ControllerNamespace, "controller-namespace", "", "Namespace of the operator's controller pods. Default: search every namespace.")
	f.StringVar(&o.ControllerSelector, "controller-selector", "", "Label selector of the controller pods. Default: "+gather.ControllerSelectorV1+" (v1) or "+gather.ControllerSelectorV2+" (v2).")
	cmdutil.AddInt64Range(cmd, &o.LimitBytes, "limit-bytes", 0, maxLimitBytes, "Most bytes read of each log per request; 0 for no limit")
}

// Complete resolves the namespace and builds the clients.
func (o *Options) Complete(args []string) error {
	s, err := cmdutil.NewSession(o.configFlags, o.ErrOut)
	if err != nil {
		return err
	}
	o.session = s
	o.ref, err = cmdutil.ParseRef(args[0], o.configFlags, s)
	return err
}

// Validate checks what the flag types cannot check alone.
func (o *Options) Validate() error {
	if o.Controller && o.Job {
		return errors.New("--controller and --job cannot be used together: each leaves out the other's lines; give neither to see both")
	}
	if err := cmdutil.ValidateNamespaceFlag("--controller-namespace", o.ControllerNamespace); err != nil {
		return err
	}
	return cmdutil.ValidateSelectorFlag("--controller-selector", o.ControllerSelector)
}

// Run reads (and with -f follows) the logs. Ctrl-C ends a follow with
// exit 0, as it ends kubectl logs -f; it stops a plain read with 130.
func (o *Options) Run(ctx context.Context) error {
	clients := o.session.Clients
	if o.Follow {
		var err error
		if clients, err = o.session.StreamClients(); err != nil {
			return err
		}
	} else {
		var cancel context.CancelFunc
		ctx, cancel = o.session.OneShot(ctx)
		defer cancel()
	}
	sink := &sink{view: render.NewLogView(o.Out, render.LogOptions{Color: render.ColorEnabled(o.Out, o.Getenv), Timestamps: o.Timestamps}), errOut: o.ErrOut}
	err := stream.Logs(ctx, clients, o.ref, o.streamOptions(), sink)
	if _, ok := cmdutil.Interrupted(ctx); ok {
		if o.Follow {
			return nil
		}
		return cmdutil.InterruptedError(ctx, "the logs of %s were not all read", o.ref)
	}
	return cmdutil.ClusterError(err, o.session)
}

func (o *Options) streamOptions() stream.LogsOptions {
	return stream.LogsOptions{
		APIGroup:            o.apiGroup.Value(),
		Controller:          !o.Job,
		Pods:                !o.Controller,
		ControllerNamespace: o.ControllerNamespace,
		ControllerSelector:  o.ControllerSelector,
		DefaultSelector:     gather.ControllerSelectorFor,
		Tail:                int(o.Tail),
		Since:               o.Since,
		LimitBytes:          o.LimitBytes,
		Follow:              o.Follow,
		Parallel:            o.Parallel,
	}
}

// sink draws lines to stdout and notes to stderr.
type sink struct {
	view   *render.LogView
	errOut io.Writer
}

func (s *sink) Line(l stream.LogLine) error { return s.view.Line(l.Source, l.Time, l.Text) }

func (s *sink) Note(source, msg string) { _ = render.LogNote(s.errOut, source, msg) }
