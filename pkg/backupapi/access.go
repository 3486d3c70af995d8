package gather

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// access names one API request so a section's error can say exactly which
// permission is missing.
type access struct {
	verb, group, resource, subresource, namespace string
}

func (a access) String() string {
	res := a.resource
	if a.subresource != "" {
		res += "/" + a.subresource
	}
	group := a.group
	if group == "" {
		group = `"" (core)`
	}
	where := "in all namespaces"
	if a.namespace != "" {
		where = fmt.Sprintf("in namespace %s", a.namespace)
	}
	return fmt.Sprintf("%s %s (API group %s) %s", a.verb, res, group, where)
}

// sectionError turns a failed request into the one line a section shows.
func sectionError(err error, a access) string {
	switch {
	case err == nil:
		return ""
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("forbidden: missing permission to %s", a)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("timed out trying to %s (raise --request-timeout)", a)
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return fmt.Sprintf("could not %s: %v", a, err)
}
