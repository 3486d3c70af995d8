package backupapi

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// NotFoundError says a backup exists in none of the served groups.
type NotFoundError struct {
	Ref  backup.Ref
	APIs []API
}

func (e *NotFoundError) Error() string {
	resources := make([]string, len(e.APIs))
	for i, a := range e.APIs {
		resources[i] = backup.Resource + "." + a.Group
	}
	return fmt.Sprintf("backup %s not found in %s; list them with: kubectl get %s -n %s",
		e.Ref, groupList(e.APIs), strings.Join(resources, ","), e.Ref.Namespace)
}

// AmbiguousError says the name exists in both groups.
type AmbiguousError struct{ Ref backup.Ref }

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("backup %s exists in both %s and %s; choose one with --api-group=%s or --api-group=%s",
		e.Ref, backup.GroupV1, backup.GroupV2, backup.GroupV1, backup.GroupV2)
}

// Find gets the backup from every served group at once; the group that
// has it wins, and a name present in two groups is an error. A group the
// user may not read is passed over when another has the backup.
func Find(ctx context.Context, dyn dynamic.Interface, apis []API, ref backup.Ref) (Found, error) {
	found := make([]Found, len(apis))
	errs := make([]error, len(apis))
	g, gctx := errgroup.WithContext(ctx)
	for i, api := range apis {
		g.Go(func() error {
			u, err := dyn.Resource(api.GVR()).Namespace(ref.Namespace).Get(gctx, ref.Name, metav1.GetOptions{})
			switch {
			case apierrors.IsNotFound(err):
			case apierrors.IsForbidden(err):
				errs[i] = err
			case err != nil:
				return err // unreachable or broken: no point asking the other group
			default:
				found[i] = Found{API: api, Object: u}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Found{}, err
	}
	var hit Found
	for _, f := range found {
		if f.Object == nil {
			continue
		}
		if hit.Object != nil {
			return Found{}, &AmbiguousError{Ref: ref}
		}
		hit = f
	}
	if hit.Object != nil {
		return hit, nil
	}
	var forbidden []string
	var cause error
	for i, err := range errs {
		if err != nil {
			forbidden, cause = append(forbidden, apis[i].Group), err
		}
	}
	if len(forbidden) > 0 {
		return Found{}, &AccessError{Verb: "get", Group: strings.Join(forbidden, " and "), Resource: backup.Resource, Namespace: ref.Namespace, Err: cause}
	}
	return Found{}, &NotFoundError{Ref: ref, APIs: apis}
}

func groupList(apis []API) string {
	names := make([]string, len(apis))
	for i, a := range apis {
		names[i] = a.Group + "/" + a.Version
	}
	return strings.Join(names, " and ")
}
