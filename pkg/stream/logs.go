package stream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// BackupContainer is the operator's main container in a backup pod.
const BackupContainer = "backup"

// MaxBackupPods is the most backup pods read at once, the newest first;
// MaxStreams the most logs followed at once (controller and pods).
const (
	MaxBackupPods = 8
	MaxStreams    = 16
)

// LogsOptions say what `logs` reads.
type LogsOptions struct {
	APIGroup            string // "" searches every served group
	Controller          bool   // the controller's lines about the backup
	Pods                bool   // the backup pods' container BackupContainer
	ControllerNamespace string // "" searches every namespace
	ControllerSelector  string // "" is the operator's default for the group
	DefaultSelector     func(group string) string
	Tail                int           // lines kept per source
	Since               time.Duration // 0: the whole log
	LimitBytes          int64         // 0: no limit; per read
	Follow              bool
	Parallel            int // bound on concurrent reads
}

// LogSink receives what Logs finds. Its calls never overlap.
type LogSink interface {
	// Line draws one log line; an error (a closed output) ends Logs.
	Line(LogLine) error
	// Note says something about a source: skipped, cut, ended, stopped.
	Note(source, msg string)
}

// Logs finds the backup, reads its sources, draws their lines merged in
// time order, and with o.Follow follows every source and the backup pods
// that start meanwhile until ctx ends. It returns an error when the
// backup cannot be read, no source could be read, or the output failed.
func Logs(ctx context.Context, c backupapi.Clients, ref backup.Ref, o LogsOptions, sink LogSink) error {
	apis, err := backupapi.Discover(ctx, c.Kube.Discovery().RESTClient(), o.APIGroup)
	if err != nil {
		return err
	}
	found, err := backupapi.Find(ctx, c.Dynamic, apis, ref)
	if err != nil {
		return err
	}
	b, err := backup.FromUnstructured(found.Object)
	if err != nil {
		return err
	}
	sink = &lockedSink{sink: sink}
	var sources []LogSource
	var failures []string
	if o.Controller {
		srcs, fail := controllerSources(ctx, c.Kube, b, o, sink)
		sources = append(sources, srcs...)
		failures = append(failures, fail...)
	}
	var owned *backupapi.Owned
	if o.Pods {
		var srcs []LogSource
		owned, srcs, err = podSources(ctx, c.Kube, b, o, sink)
		if err != nil {
			failures = append(failures, err.Error())
		}
		sources = append(sources, srcs...)
	}
	if len(sources) == 0 && !(o.Follow && o.Pods && owned != nil) {
		if len(failures) == 0 {
			failures = append(failures, "no backup pod has started yet")
		}
		return fmt.Errorf("no log to show for backup %s: %s", ref, strings.Join(failures, "; "))
	}
	for _, f := range failures {
		sink.Note("", f)
	}

	results := make([]readResult, len(sources))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(o.Parallel, 1))
	for i, src := range sources {
		g.Go(func() error {
			results[i] = readSource(gctx, c.Kube, src, o)
			return nil
		})
	}
	_ = g.Wait() // each result holds its own error
	if err := ctx.Err(); err != nil {
		return err
	}
	per := make([][]LogLine, len(results))
	failed := 0
	for i, r := range results {
		per[i] = r.lines
		src := sources[i]
		switch {
		case r.err != nil:
			failed++
			sink.Note(src.Label(), "not read: "+backupapi.Access(r.err, "get", "", "pods", "log", src.Namespace).Error())
		case r.truncated:
			sink.Note(src.Label(), fmt.Sprintf("cut at --limit-bytes=%d", o.LimitBytes))
		}
		if r.dropped > 0 {
			sink.Note(src.Label(), fmt.Sprintf("%d older lines left out to keep memory bounded", r.dropped))
		}
	}
	for _, l := range mergeLines(per) {
		if err := sink.Line(l); err != nil {
			return err
		}
	}
	if !o.Follow {
		if failed == len(sources) && failed > 0 {
			return fmt.Errorf("no log of backup %s could be read (see the notes above)", ref)
		}
		return nil
	}
	return follow(ctx, c.Kube, b, o, sink, sources, results, owned)
}

// follow follows every source from where its read ended, and with
// o.Pods the backup pods that start later, until ctx ends.
func follow(ctx context.Context, kube kubernetes.Interface, b *backup.Backup, o LogsOptions, sink LogSink, sources []LogSource, results []readResult, owned *backupapi.Owned) error {
	f := &follower{kube: kube, sink: sink, o: o, slots: make(chan struct{}, MaxStreams)}
	outErr := make(chan error, 1)
	f.fail = func(err error) {
		select {
		case outErr <- err:
		default:
		}
	}
	var wg sync.WaitGroup
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, src := range sources {
		pos := results[i].pos
		f.start(fctx, &wg, src, &pos, logOptions(src, o)) // the options serve until a line is read
	}
	if o.Pods && owned != nil {
		w := &podWatch{kube: kube, b: b, seen: startedPods(owned), jobs: jobsOf(owned), start: func(src LogSource) {
			opts := &corev1.PodLogOptions{Container: src.Container, Timestamps: true}
			f.start(fctx, &wg, src, nil, opts)
		}, note: sink.Note}
		wg.Go(func() { w.run(fctx) })
	}
	var err error
	select {
	case <-ctx.Done():
		err = ctx.Err()
	case err = <-outErr:
	case <-waitDone(&wg):
		// Every source ended and nothing watches for new pods.
	}
	cancel()
	wg.Wait()
	return err
}

func waitDone(wg *sync.WaitGroup) <-chan struct{} {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// controllerSources finds the controller pods as investigate does.
func controllerSources(ctx context.Context, kube kubernetes.Interface, b *backup.Backup, o LogsOptions, sink LogSink) ([]LogSource, []string) {
	sel := o.ControllerSelector
	if sel == "" && o.DefaultSelector != nil {
		sel = o.DefaultSelector(b.Group)
	}
	pods, total, err := listControllerPods(ctx, kube, o.ControllerNamespace, sel)
	if err != nil {
		msg := "controller: " + backupapi.Access(err, "list", "", "pods", "", o.ControllerNamespace).Error()
		if o.ControllerNamespace == "" {
			msg += "; pass --controller-namespace to look in one namespace"
		}
		return nil, []string{msg}
	}
	if total == 0 {
		where := "any namespace"
		if o.ControllerNamespace != "" {
			where = "namespace " + o.ControllerNamespace
		}
		return nil, []string{fmt.Sprintf("controller not found: no pod matches %q in %s; set --controller-namespace and --controller-selector", sel, where)}
	}
	if skipped := total - len(pods); skipped > 0 {
		sink.Note("", fmt.Sprintf("controller: %d more pods match %q and are not read (at most %d are)", skipped, sel, MaxControllerPods))
	}
	match := NewLineMatcher(backup.Ref{Namespace: b.Namespace, Name: b.Name}).Match
	out := make([]LogSource, len(pods))
	for i, p := range pods {
		out[i] = LogSource{Controller: true, Namespace: p.namespace, Pod: p.name, Container: p.container, Match: match}
	}
	return out, nil
}

// podSources lists the backup's pods on its owner chain and returns the
// newest MaxBackupPods whose backup container has started (has a log).
func podSources(ctx context.Context, kube kubernetes.Interface, b *backup.Backup, o LogsOptions, sink LogSink) (*backupapi.Owned, []LogSource, error) {
	owned, err := backupapi.ListOwned(ctx, kube, b)
	if err != nil {
		return nil, nil, fmt.Errorf("backup pods: %w", err)
	}
	var out []LogSource
	for i := range owned.Pods {
		p := &owned.Pods[i]
		if !containerStarted(p, BackupContainer) {
			if !o.Follow {
				sink.Note("pod "+p.Namespace+"/"+p.Name, "no log: container "+BackupContainer+" has not started")
			}
			continue
		}
		if len(out) == MaxBackupPods {
			sink.Note("pod "+p.Namespace+"/"+p.Name, fmt.Sprintf("not read: only the newest %d backup pods are", MaxBackupPods))
			continue
		}
		out = append(out, LogSource{Namespace: p.Namespace, Pod: p.Name, Container: BackupContainer})
	}
	if len(owned.Pods) == 0 && !o.Follow {
		return owned, nil, errors.New("backup pods: none found (a retry deletes the failed Job and its Pod)")
	}
	return owned, out, nil
}

// startedPods are the listed pods that had started: read or passed over
// already, they are not followed again when the watch lists them.
func startedPods(o *backupapi.Owned) map[string]bool {
	seen := map[string]bool{}
	for i := range o.Pods {
		if containerStarted(&o.Pods[i], BackupContainer) {
			seen[o.Pods[i].Name] = true
		}
	}
	return seen
}

// containerStarted: the container runs or has run, so it has a log.
func containerStarted(p *corev1.Pod, name string) bool {
	for _, c := range p.Status.ContainerStatuses {
		if c.Name == name {
			return c.State.Running != nil || c.State.Terminated != nil || c.LastTerminationState.Terminated != nil
		}
	}
	return false
}

// lockedSink keeps the sink's calls from overlapping: follow draws from
// one goroutine per stream.
type lockedSink struct {
	mu   sync.Mutex
	sink LogSink
}

func (s *lockedSink) Line(l LogLine) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sink.Line(l)
}

func (s *lockedSink) Note(source, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sink.Note(source, msg)
}
