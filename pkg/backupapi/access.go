package backupapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

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
	case e.Forbidden() && (e.read() || byAuthorizer(e.Err)):
		return fmt.Sprintf("forbidden: missing permission to %s", e.request())
	case e.Forbidden():
		// An admission webhook or policy also answers 403; its reason is
		// in its message, and RBAC is not the thing to fix.
		return fmt.Sprintf("refused (not by RBAC: by admission) to %s: %s", e.request(), statusMessage(e.Err))
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

// read: reads never pass admission, so their 403 is the authorizer's.
func (e *AccessError) read() bool {
	return e.Verb == "get" || e.Verb == "list" || e.Verb == "watch"
}

// byAuthorizer: a 403 from the authorizer (RBAC, a webhook authorizer)
// says the user "cannot" do the verb; one from admission says why it
// denied the request instead.
func byAuthorizer(err error) bool {
	msg := statusMessage(err)
	return strings.Contains(msg, " cannot ") || msg == "" || msg == "unknown"
}

func statusMessage(err error) string {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return st.Status().Message
	}
	return err.Error()
}
