package cmdutil

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Eight requests sent at once over HTTP/2 share one connection: one TLS
// handshake, not eight.
func TestFirstConnMakesOneConnection(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	client := &http.Client{Transport: newFirstConn().wrap(srv.Client().Transport)}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			resp, err := client.Get(srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			proto, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(proto) != "HTTP/2.0" {
				t.Errorf("served over %s, want HTTP/2.0", proto)
			}
		})
	}
	wg.Wait()
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for eight concurrent requests, want 1", n)
	}
}

// A request that fails to connect lets the next one try; a waiting request
// still ends with its own context.
func TestFirstConnFailureAndCancel(t *testing.T) {
	f := newFirstConn()
	refused := errors.New("connection refused")
	calls := 0
	failing := f.wrap(roundTripperFunc(func(*http.Request) (*http.Response, error) { calls++; return nil, refused }))
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, "https://example.invalid/", nil)
		if _, err := failing.RoundTrip(req); !errors.Is(err, refused) {
			t.Fatalf("err = %v, want the dial's error", err)
		}
	}
	if calls != 2 {
		t.Errorf("%d attempts after a failed first one, want 2", calls)
	}

	// Hold the slot, as a request still dialing does.
	g := f.gate("example.invalid")
	g.dialing <- struct{}{}
	defer func() { <-g.dialing }()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://example.invalid/", nil)
	if _, err := failing.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a waiting request whose context ends: err = %v", err)
	}
	// Another server does not wait for this one's connection.
	other, _ := http.NewRequest(http.MethodGet, "https://other.invalid/", nil)
	if _, err := failing.RoundTrip(other); !errors.Is(err, refused) {
		t.Errorf("another host: err = %v, want its own dial's error", err)
	}
}
