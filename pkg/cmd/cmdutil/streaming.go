package cmdutil

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// responseStartTimeout bounds the time until a response's headers arrive,
// and not its body: a watch or a followed log may then stream for hours,
// yet a server that never answers is still given up on.
func responseStartTimeout(d time.Duration) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return &startTimeout{next: next, wait: d}
	}
}

type startTimeout struct {
	next http.RoundTripper
	wait time.Duration
}

func (t *startTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(t.wait, func() { cancel(errNoResponse{t.wait}) })
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() && err != nil {
		cancel(nil)
		return nil, context.Cause(ctx)
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: func() { cancel(nil) }}
	return resp, nil
}

// errNoResponse: the server did not start answering in time. It is a
// net.Error with Timeout() true, like the transport's own timeouts.
type errNoResponse struct{ wait time.Duration }

func (e errNoResponse) Error() string {
	return fmt.Sprintf("no response from the API server within %s", e.wait)
}
func (errNoResponse) Timeout() bool   { return true }
func (errNoResponse) Temporary() bool { return true }

// cancelOnClose releases the request's context once its body is done.
type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
