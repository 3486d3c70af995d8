package promapi

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// errCommandDeadline: the time given to Prometheus ran out (the section's
// budget within the command's deadline) before --prometheus-timeout did.
var errCommandDeadline = errors.New("the time for Prometheus ran out")

// errNotPrometheus: the server answered, but not as a Prometheus API does.
var errNotPrometheus = errors.New("not a Prometheus API")

// Reason says in one line what went wrong with a request to Prometheus and
// what to do. The server's own text (a Status message from the API server,
// an error from Prometheus) is quoted short; the renderer makes it safe.
func Reason(err error, proxied bool, timeout time.Duration) string {
	var apiErr *promv1.Error
	var certErr x509.UnknownAuthorityError // a value, as crypto/x509 returns it
	var hostErr x509.HostnameError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errCommandDeadline):
		return "no answer within the time left to the command (its deadline, or --prometheus-timeout for all the queries)"
	case errors.Is(err, errTooManySeries):
		return fmt.Sprintf("the answer has more than %d series: not read", maxSeries)
	case errors.Is(err, errNotPrometheus):
		return "the answer is not a Prometheus API answer: is it Prometheus?"
	case errors.Is(err, errTooLarge):
		return "the answer is too large: not read"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("no answer within %s (--prometheus-timeout)", timeout)
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.As(err, &certErr), errors.As(err, &hostErr):
		return "its TLS certificate is not trusted: give --prometheus-ca-file (or --prometheus-insecure-skip-tls-verify)"
	case errors.As(err, &apiErr):
		return apiReason(apiErr, proxied, timeout)
	case errors.As(err, &dnsErr):
		return "unreachable: its host name is not known (" + dnsErr.Name + ")"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "unreachable: connection refused"
	case errors.As(err, &opErr):
		return "unreachable: " + cut(opErr.Err.Error(), 200)
	}
	return "unreachable: " + lastPart(err.Error())
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func apiReason(e *promv1.Error, proxied bool, timeout time.Duration) string {
	switch e.Type {
	case promv1.ErrClient, promv1.ErrServer:
		code := statusCode(e.Msg)
		switch {
		case code == 401 && proxied:
			return "the API server refused the kubeconfig's credentials (401)"
		case code == 401:
			return "Prometheus refused the request (401 Unauthorized): give a valid --prometheus-bearer-token-file"
		case code == 403 && proxied:
			return "forbidden (403): proxying to the service needs get and create on services/proxy" + statusMessage(e.Detail)
		case code == 403:
			return "Prometheus refused the request (403 Forbidden): the token may not read the query API"
		case code == 404:
			return "no Prometheus API there (404 Not Found): is it Prometheus?" + statusMessage(e.Detail)
		case code == 503 && proxied:
			return "the API server could not reach the service (503)" + statusMessage(e.Detail)
		case code >= 500:
			return fmt.Sprintf("the server failed (%d)%s", code, statusMessage(e.Detail))
		}
		return "the request was refused (" + cut(e.Msg, 200) + ")" + statusMessage(e.Detail)
	case promv1.ErrBadResponse:
		return "the answer is not a Prometheus API answer: is it Prometheus?"
	case promv1.ErrTimeout, promv1.ErrCanceled:
		return fmt.Sprintf("Prometheus gave up on the query within %s (--prometheus-timeout)", timeout)
	}
	// bad_data, execution: Prometheus' own message about the query.
	return "the query failed: " + cut(e.Msg, 200)
}

// statusCode reads client_golang's "client error: 403" / "server error: 500".
func statusCode(msg string) int {
	i := strings.LastIndexByte(msg, ' ')
	n := atoiOr(msg[i+1:], 0)
	return n
}

// statusMessage quotes the message of a Kubernetes Status (the API
// server's own refusal), short; other bodies are not quoted: a proxy's
// HTML page says nothing useful on one line.
func statusMessage(body string) string {
	if len(body) > 64<<10 {
		return ""
	}
	var st struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	}
	if json.Unmarshal([]byte(body), &st) != nil || st.Kind != "Status" || st.Message == "" {
		return ""
	}
	return ": " + cut(st.Message, 200)
}

func lastPart(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		s = s[i+2:]
	}
	return cut(s, 200)
}

// cut makes a server's text one line (it may hold line breaks) and short.
func cut(s string, n int) string {
	return text.Cut(text.OneLine(s), n)
}
