package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"
)

// A stream's response must start in time, but once it has, the stream is
// not cut by the request timeout (a watch or a follow lasts for hours).
func TestStreamClientsBoundTheStartNotTheStream(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/silent" {
			<-release
			return
		}
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for i := 0; i < 4; i++ { // four chunks, 150 ms apart: longer than the timeout in all
			time.Sleep(150 * time.Millisecond)
			_, _ = io.WriteString(w, "chunk\n")
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	defer close(release)
	s := &Session{Config: &rest.Config{Host: srv.URL}, RequestTimeout: 300 * time.Millisecond}
	clients, err := s.StreamClients()
	if err != nil {
		t.Fatal(err)
	}
	rc := clients.Kube.CoreV1().RESTClient()

	body, err := rc.Get().AbsPath("/stream").Stream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(body)
	body.Close()
	if err != nil || strings.Count(string(data), "chunk") != 4 {
		t.Errorf("a 600 ms stream was cut by a 300 ms request timeout: %q, %v", data, err)
	}

	start := time.Now()
	_, err = rc.Get().AbsPath("/silent").Stream(context.Background())
	if err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("a silent server: err %v after %s", err, time.Since(start))
	}
	if !strings.Contains(err.Error(), "no response from the API server within 300ms") {
		t.Errorf("err = %v", err)
	}
}

// The one-shot clients keep kubectl's meaning: each request is bounded.
func TestSessionClientsBoundEachRequest(t *testing.T) {
	s := &Session{Config: &rest.Config{Host: "https://127.0.0.1:1", Timeout: 2 * time.Second}}
	if _, err := s.StreamClients(); err != nil {
		t.Fatal(err)
	}
	if s.Config.Timeout != 2*time.Second {
		t.Error("StreamClients changed the one-shot configuration")
	}
}

func TestRedactHost(t *testing.T) {
	if got := redactHost("https://admin:hunter2@10.0.0.1:6443"); strings.Contains(got, "hunter2") || !strings.Contains(got, "10.0.0.1:6443") {
		t.Errorf("redactHost = %q", got)
	}
	if got := redactHost("https://10.0.0.1:6443"); got != "https://10.0.0.1:6443" {
		t.Errorf("redactHost = %q", got)
	}
	if got := redactHost("admin:hunter2@127.0.0.1:1"); got != "admin:xxxxx@127.0.0.1:1" {
		t.Errorf("redactHost of a bare host = %q", got)
	}
}

func TestOneLineRedactsAndEscapes(t *testing.T) {
	got := OneLine(errors.New("Get \"https://u:hunter2@h/x\": webhook said \x1b[2J\nbye"))
	if strings.Contains(got, "hunter2") || strings.ContainsAny(got, "\x1b\n") {
		t.Errorf("OneLine = %q", got)
	}
	if got := OneLine(errors.New(strings.Repeat("x", 100000) + " the end")); len(got) > 4200 || !strings.HasSuffix(got, " the end") {
		t.Errorf("a 100 kB error gave %d bytes", len(got))
	}
}

func TestExitCodes(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	if InterruptedError(ctx, "x") != nil {
		t.Error("an interrupt before any signal")
	}
	cancel(&Interrupt{Signal: os.Interrupt})
	err := InterruptedError(ctx, "the report above is partial")
	if ExitCode(err) != 130 || !strings.Contains(err.Error(), "interrupted by Ctrl-C (SIGINT): the report above is partial") {
		t.Errorf("SIGINT: %d %v", ExitCode(err), err)
	}
	if (&Interrupt{Signal: syscall.SIGTERM}).Code() != 143 || ExitCode(errors.New("x")) != 1 || ExitCode(nil) != 0 {
		t.Error("exit codes")
	}
}

func TestInterruptIsACancellation(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&Interrupt{Signal: os.Interrupt})
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("%v is not context.Canceled", err)
	}
}

// A write answered with Retry-After is not sent again: its first answer
// is the one the reset judges. A read still is.
func TestWritesAreNotResent(t *testing.T) {
	var patches, gets int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			patches++
		} else {
			gets++
		}
		if patches+gets == 1 || (r.Method == http.MethodGet && gets == 1) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Success"}`)
	}))
	defer srv.Close()
	cfg := &rest.Config{Host: srv.URL}
	cfg.Wrap(noWriteRetries)
	clients, err := clientsFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rc := clients.Kube.CoreV1().RESTClient()
	_ = rc.Patch("application/json-patch+json").AbsPath("/x").Body([]byte(`[]`)).Do(context.Background()).Error()
	if patches != 1 {
		t.Errorf("the PATCH was sent %d times", patches)
	}
	if err := rc.Get().AbsPath("/y").Do(context.Background()).Error(); err != nil || gets != 2 {
		t.Errorf("a GET with Retry-After: sent %d times, %v", gets, err)
	}
}

func TestWarningsArePrintedSafely(t *testing.T) {
	var buf strings.Builder
	p := &warningPrinter{w: &buf, seen: map[string]bool{}}
	p.HandleWarningHeader(299, "", "policy says \x1b[2Jno; token=SEKRIT")
	p.HandleWarningHeader(299, "", "policy says \x1b[2Jno; token=SEKRIT")
	if got := buf.String(); strings.Count(got, "Warning: ") != 1 || strings.Contains(got, "\x1b") || strings.Contains(got, "SEKRIT") {
		t.Errorf("warnings: %q", got)
	}
}

func TestRedactServerIn(t *testing.T) {
	for _, server := range []string{"https://admin:hun/ter2@10.0.0.1", "admin:hun#ter2@10.0.0.1:6443", "https://u:p a s s@h"} {
		s := server
		flags := genericclioptions.NewConfigFlags(false)
		flags.APIServer = &s
		err := redactServerIn(fmt.Errorf("host must be a URL or a host:port pair: %q", server), flags)
		if strings.Contains(err.Error(), "ter2") || strings.Contains(err.Error(), "p a s s") {
			t.Errorf("%s: %v", server, err)
		}
	}
}
