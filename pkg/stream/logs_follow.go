package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// Reconnecting a dropped stream: waits grow from reconnectFirst to
// reconnectMax; after reconnectTries attempts in a row that read nothing,
// the source is given up and the user told.
const (
	reconnectFirst = 500 * time.Millisecond
	reconnectMax   = 8 * time.Second
	reconnectTries = 8
)

// follower follows sources, one goroutine each, at most MaxStreams at once.
type follower struct {
	kube  kubernetes.Interface
	sink  LogSink
	o     LogsOptions
	slots chan struct{}
	fail  func(error) // the output failed: Logs ends
}

// start follows src in a new goroutine: from pos when it was read
// before, else with first as the request options.
func (f *follower) start(ctx context.Context, wg *sync.WaitGroup, src LogSource, pos *position, first *corev1.PodLogOptions) {
	select {
	case f.slots <- struct{}{}:
	default:
		f.sink.Note(src.Label(), fmt.Sprintf("not followed: at most %d logs are followed at once", MaxStreams))
		return
	}
	if pos == nil {
		pos = &position{}
	}
	wg.Go(func() {
		defer func() { <-f.slots }()
		f.follow(ctx, src, pos, first)
	})
}

// follow streams one source until it ends, fails for good or ctx ends.
func (f *follower) follow(ctx context.Context, src LogSource, pos *position, first *corev1.PodLogOptions) {
	backoff := wait.Backoff{Duration: reconnectFirst, Factor: 2, Steps: reconnectTries, Cap: reconnectMax}
	var lastErr error
	for ctx.Err() == nil {
		opts := first
		if opts == nil || !pos.last.IsZero() {
			opts = &corev1.PodLogOptions{Container: src.Container, Timestamps: true}
			if !pos.last.IsZero() {
				opts.SinceTime = &metav1.Time{Time: pos.sinceTime()}
			}
		}
		opts = opts.DeepCopy()
		opts.Follow = true
		pos.reopen()
		read, err := f.stream(ctx, src, pos, opts)
		if ctx.Err() != nil {
			return
		}
		if read > 0 {
			first = nil // what was read is the position now
			backoff = wait.Backoff{Duration: reconnectFirst, Factor: 2, Steps: reconnectTries, Cap: reconnectMax}
		}
		if errors.Is(err, errOutput) {
			return
		}
		// The stream ended or broke: the container may have ended.
		if done, why := f.ended(ctx, src, err); done {
			if why != "" {
				f.sink.Note(src.Label(), why)
			}
			return
		}
		if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			f.sink.Note(src.Label(), "stopped: "+backupapi.Access(err, "get", "", "pods", "log", src.Namespace).Error())
			return
		}
		if err != nil {
			lastErr = err
		}
		if backoff.Steps <= 0 {
			why := "the stream kept ending"
			if lastErr != nil {
				why = lastErr.Error()
			}
			f.sink.Note(src.Label(), fmt.Sprintf("stopped: no longer followed after %d attempts to reconnect: %s", reconnectTries, why))
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff.Step()):
		}
	}
}

// errOutput: the sink failed; following ends.
var errOutput = errors.New("output failed")

// stream opens one follow request and draws its new lines; it returns how
// many lines it read and why it ended (nil at the stream's end).
func (f *follower) stream(ctx context.Context, src LogSource, pos *position, opts *corev1.PodLogOptions) (int, error) {
	rc, err := f.kube.CoreV1().Pods(src.Namespace).GetLogs(src.Pod, opts).Stream(ctx)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	lr := newLineReader(rc)
	label := src.Label()
	read := 0
	for {
		at, line, err := lr.next()
		if errors.Is(err, io.EOF) {
			return read, nil
		}
		if err != nil {
			return read, err
		}
		read++
		if pos.seen(at) || !src.keeps(line) {
			continue
		}
		if err := f.sink.Line(LogLine{Source: label, Time: at, Text: line}); err != nil {
			f.fail(err)
			return read, errOutput
		}
	}
}

// ended tells whether a source's log has ended for good (its container
// terminated or its pod is gone), and what to say about it.
func (f *follower) ended(ctx context.Context, src LogSource, streamErr error) (bool, string) {
	p, err := f.kube.CoreV1().Pods(src.Namespace).Get(ctx, src.Pod, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return true, "log ended: the pod was deleted"
	case err != nil:
		return false, ""
	}
	for _, c := range p.Status.ContainerStatuses {
		if c.Name != src.Container {
			continue
		}
		if t := c.State.Terminated; t != nil {
			return true, fmt.Sprintf("log ended: container %s terminated (%s, exit code %d)", c.Name, t.Reason, t.ExitCode)
		}
	}
	if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return true, "log ended: the pod is " + string(p.Status.Phase)
	}
	return false, ""
}
