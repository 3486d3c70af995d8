package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// process is one control-plane binary running in its own process group, so
// Stop can kill it and anything it spawned without touching the test binary.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // exit status; read only after done is closed
	tail *tailBuffer   // recent output, quoted in errors
}

func startProcess(name, path string, args []string, out io.Writer) (*process, error) {
	p := &process{name: name, done: make(chan struct{}), tail: newTailBuffer(32 << 10)}
	p.cmd = exec.Command(path, args...)
	w := io.MultiWriter(out, p.tail)
	p.cmd.Stdout, p.cmd.Stderr = w, w
	p.cmd.SysProcAttr = sysProcAttr()
	// Output is copied through a pipe; don't let a stray holder of that pipe
	// make Wait hang after the process itself is gone.
	p.cmd.WaitDelay = 2 * time.Second
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process group to terminate, then kills it after grace.
// Nothing a test cluster holds needs a clean shutdown, so grace is short.
func (p *process) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	if grace > 0 {
		terminateGroup(p.cmd.Process)
		select {
		case <-p.done:
			return
		case <-time.After(grace):
		}
	}
	killGroup(p.cmd.Process)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// portInUse tells whether the process failed because another process took
// the port we picked between choosing it and the process binding it.
func (p *process) portInUse() bool {
	return strings.Contains(p.tail.String(), "address already in use")
}

// describe is the tail of the process's output, for error messages: the
// reason a control-plane binary failed is in its own log, not in our error.
func (p *process) describe() string {
	s := strings.TrimSpace(p.tail.String())
	if s == "" {
		return ""
	}
	return fmt.Sprintf("\n--- last output of %s ---\n%s\n--- end of %s output ---", p.name, s, p.name)
}

// waitReady polls check until it succeeds, the process exits or ctx ends.
func (p *process) waitReady(ctx context.Context, check func(context.Context) error) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready: %v", p.name, p.err)
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last check: %v)", p.name, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu        sync.Mutex
	max       int
	buf       []byte
	truncated bool
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.truncated = true
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.buf
	if t.truncated { // starts mid-line: drop the partial first line
		if i := bytes.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
	}
	return string(s)
}

// prefixWriter labels each line, so etcd's and kube-apiserver's output can
// share one caller-supplied writer and still be told apart. The mutex is
// shared by all writers of that destination.
type prefixWriter struct {
	mu      *sync.Mutex
	w       io.Writer
	prefix  string
	partial []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.partial = append(p.partial, b...)
			break
		}
		line := append(append([]byte(p.prefix), p.partial...), b[:i+1]...)
		p.partial = p.partial[:0]
		b = b[i+1:]
		if _, err := p.w.Write(line); err != nil {
			return n, err
		}
	}
	return n, nil
}
