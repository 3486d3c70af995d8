package backupapi

import (
	"context"
	"errors"
	"fmt"
	"net"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// AccessError is a failed request, named the way a person fixes it: the
// verb, resource, group and namespace, so a forbidden one says exactly
// which permission is missing. It wraps the cause for errors.Is/As.
type AccessError struct {
	Verb, Group, Resource, Subresource, Namespace string
	Err                                           error
}

// Access wraps err (nil stays nil) with the request it failed on.
func Access(err error, verb, group, resource, subresource, namespace string) error {
	if err == nil {
		return nil
	}
	return &AccessError{Verb: verb, Group: group, Resource: resource, Subresource: subresource, Namespace: namespace, Err: err}
}

func (e *AccessError) Unwrap() error { return e.Err }

// Forbidden tells a missing permission from other failures.
func (e *AccessError) Forbidden() bool { return apierrors.IsForbidden(e.Err) }

func (e *AccessError) Error() string {
	switch {
	case e.Forbidden():
		return fmt.Sprintf("forbidden: missing permission to %s", e.request())
	case errors.Is(e.Err, context.DeadlineExceeded) || isTimeout(e.Err):
		return fmt.Sprintf("timed out trying to %s (raise --request-timeout)", e.request())
	case errors.Is(e.Err, context.Canceled):
		return fmt.Sprintf("interrupted before it could %s", e.request())
	}
	return fmt.Sprintf("could not %s: %v", e.request(), e.Err)
}

// request is "get pods/log (API group "" (core)) in namespace tidb".
func (e *AccessError) request() string {
	res := e.Resource
	if e.Subresource != "" {
		res += "/" + e.Subresource
	}
	group := e.Group
	if group == "" {
		group = `"" (core)`
	}
	where := "in all namespaces"
	if e.Namespace != "" {
		where = "in namespace " + e.Namespace
	}
	return fmt.Sprintf("%s %s (API group %s) %s", e.Verb, res, group, where)
}

// isTimeout: a transport that gave up (the client's --request-timeout).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
