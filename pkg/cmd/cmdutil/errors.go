package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// ClusterError rewrites transport and auth failures into one line that
// says what is wrong and what to do; other errors pass through.
func ClusterError(err error, s *Session) error {
	if err == nil {
		return nil
	}
	var netErr net.Error
	var urlErr *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		within := fmt.Sprintf("%s (the command's deadline)", s.Deadline)
		if s.RequestTimeout > 0 && s.RequestTimeout < s.Deadline {
			within = fmt.Sprintf("%s (--request-timeout)", s.RequestTimeout)
		}
		return fmt.Errorf("no answer from the Kubernetes API server at %s within %s; check --kubeconfig/--context or raise --request-timeout", s.Host, within)
	case errors.As(err, &urlErr):
		return fmt.Errorf("cannot reach the Kubernetes API server at %s: %s; check --kubeconfig and --context", s.Host, rootCause(urlErr.Err))
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("the API server at %s rejected the credentials (401 Unauthorized); check the kubeconfig's user or log in again", s.Host)
	}
	return err
}

// rootCause drops the wrapping ("dial tcp 127.0.0.1:1: connect: ...") and
// keeps the part a person acts on.
func rootCause(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// OneLine formats any error for stderr: "error: " and a single line, with
// credentials taken out and control characters made visible (an error
// can quote a webhook's or a proxy's answer).
func OneLine(err error) string {
	return "error: " + text.OneLine(text.Cut(text.Redact(err.Error()), maxErrorBytes))
}

// maxErrorBytes: an error line longer than this (a 100 kB argument quoted
// back) is cut, keeping its start and its end.
const maxErrorBytes = 4096
