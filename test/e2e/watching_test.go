package e2e

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// watching is a plugin process whose stdout is read line by line.
type watching struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr strings.Builder
	mu     sync.Mutex
	all    []string
}

func startWatching(t *testing.T, kubeconfig string, args ...string) *watching {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	w := &watching{lines: make(chan string, 100)}
	w.cmd = exec.CommandContext(ctx, s.bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	w.cmd.Env = append(os.Environ(), "NO_COLOR=1")
	w.cmd.Stderr = &lockedWriter{mu: &w.mu, w: &w.stderr}
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(w.lines)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			w.mu.Lock()
			w.all = append(w.all, sc.Text())
			w.mu.Unlock()
			w.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { _ = w.cmd.Process.Kill() })
	return w
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// line waits for a line that contains want.
func (w *watching) line(t *testing.T, want string) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-w.lines:
			if !ok {
				t.Fatalf("the watch ended before a line with %q; stderr:\n%s", want, w.errText())
			}
			if strings.Contains(l, want) {
				return l
			}
		case <-deadline:
			t.Fatalf("no line with %q in 30s; stderr:\n%s", want, w.errText())
		}
	}
}

func (w *watching) errText() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stderr.String()
}

// stop sends Ctrl-C: the watch must end at once with exit 0.
func (w *watching) stop(t *testing.T) []string {
	t.Helper()
	start := time.Now()
	if err := w.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for range w.lines { // drain until stdout closes
	}
	err := w.cmd.Wait()
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Ctrl-C took %s to end the watch", took)
	}
	if err != nil {
		t.Errorf("Ctrl-C: %v, want exit 0; stderr:\n%s", err, w.errText())
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all
}
