package cmdutil

import (
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// noWriteRetries keeps client-go from sending a write twice. client-go
// resends any request whose answer carries Retry-After (a 429, or a 503
// from a proxy); for a PATCH that was applied before the 503, the second
// one is refused by its own test, and that refusal would hide the first
// one's success. Without the header, the first answer is the answer, and
// the reset judges it (reading the backup back when it says nothing).
func noWriteRetries(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err == nil && req.Method != http.MethodGet && req.Method != http.MethodHead {
			resp.Header.Del("Retry-After")
		}
		return resp, err
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// warningPrinter shows the API server's warnings (a deprecation, an
// admission policy in Warn mode) as kubectl does: "Warning: ..." on
// stderr, once each, made safe (the text is the server's).
type warningPrinter struct {
	mu   sync.Mutex
	w    io.Writer
	seen map[string]bool
}

func (p *warningPrinter) HandleWarningHeader(code int, _ string, message string) {
	if code != 299 || message == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[message] {
		return
	}
	p.seen[message] = true
	_, _ = fmt.Fprintf(p.w, "Warning: %s\n", text.OneLine(text.Cut(text.Redact(message), maxErrorBytes)))
}
