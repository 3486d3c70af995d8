package promapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// errTooLarge ends an answer larger than maxBodyBytes.
var errTooLarge = errors.New("the answer is too large")

// directTransport is for --prometheus-url: the environment's proxy, the
// CA and TLS choice, and the bearer token (read once, sent only to the
// URL's own host: a redirect elsewhere does not carry it). The token is
// returned too, for Client.Reason to keep out of what it quotes.
func directTransport(c Config, host string) (http.RoundTripper, string, error) {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.ResponseHeaderTimeout = 0
	base.TLSHandshakeTimeout = 10 * time.Second
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pool, err := readCA(c.CAFile)
		if err != nil {
			return nil, "", err
		}
		tlsConf.RootCAs = pool
	}
	// The user asked for it by name; the flag says what it costs.
	tlsConf.InsecureSkipVerify = c.InsecureSkipTLSVerify //nolint:gosec
	base.TLSClientConfig = tlsConf
	var rt http.RoundTripper = base
	token := ""
	if c.BearerTokenFile != "" {
		var err error
		if token, err = readToken(c.BearerTokenFile); err != nil {
			return nil, "", err
		}
		rt = bearer{next: rt, token: token, host: host}
	}
	return limitBody(rt), token, nil
}

// readCA reads a PEM bundle for --prometheus-ca-file.
func readCA(path string) (*x509.CertPool, error) {
	pem, err := readSmallFile(path, "--prometheus-ca-file")
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--prometheus-ca-file %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// readToken reads --prometheus-bearer-token-file: one token on one line,
// of characters a header may carry.
func readToken(path string) (string, error) {
	b, err := readSmallFile(path, "--prometheus-bearer-token-file")
	if err != nil {
		return "", err
	}
	token := strings.TrimSpace(string(b))
	if token == "" || strings.ContainsFunc(token, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return "", fmt.Errorf("--prometheus-bearer-token-file %s: want one token on one line, of printable ASCII", path)
	}
	return token, nil
}

// readSmallFile reads a token or CA file, refusing one that is not a small
// regular file (a device or a FIFO would hang or exhaust memory).
func readSmallFile(path, flag string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", flag, path, errors.Unwrap(err))
	}
	if !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
		return nil, fmt.Errorf("%s %s: not a regular file of at most 1 MiB", flag, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", flag, path, errors.Unwrap(err))
	}
	return b, nil
}

type bearer struct {
	next  http.RoundTripper
	token string
	host  string
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == b.host {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.next.RoundTrip(r)
}

// bodyLimitKey carries a smaller bound for the answers of one batch: a
// backup's own queries need kilobytes, a fleet's a few megabytes.
type bodyLimitKey struct{}

// withBodyLimit bounds the answers to requests made with ctx.
func withBodyLimit(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, bodyLimitKey{}, n)
}

// limitBody ends an answer that grows past its bound (maxBodyBytes, or
// the context's) with errTooLarge.
func limitBody(next http.RoundTripper) http.RoundTripper {
	return rtFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if err == nil {
			limit := int64(maxBodyBytes)
			if n, ok := r.Context().Value(bodyLimitKey{}).(int64); ok && n < limit {
				limit = n
			}
			resp.Body = &limitedBody{rc: resp.Body, left: limit + 1}
		}
		return resp, err
	})
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	if l.left <= 0 {
		return n, errTooLarge
	}
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }
