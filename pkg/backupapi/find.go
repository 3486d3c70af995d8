package backupapi

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

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
	// A CompactBackup has its own retries, which this plugin does not
	// read (docs/diagnoses.md): a person looking for one is told so.
	return fmt.Sprintf("backup %s not found in %s; list them with: kubectl get %s -n %s (a CompactBackup is out of scope: kubectl get compactbackup %s -n %s -o yaml shows its retries)",
		e.Ref, groupList(e.APIs), strings.Join(resources, ","), e.Ref.Namespace, e.Ref.Name, e.Ref.Namespace)
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
	g, gctx := errgroup.WithContext(ctx)
	answers := make([]answer, len(apis))
	for i, api := range apis {
		g.Go(func() error {
			answers[i] = get(gctx, dyn, api, ref)
			if answers[i].hard() {
				return answers[i].err // unreachable or broken: no point asking the other group
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return Found{}, err // the cause, not the cancellation it caused in the others
	}
	return resolve(ref, apis, answers)
}

// DiscoverAndFind is Discover and Find in one round trip instead of two:
// the backup is asked of every known group (only, when set) while
// discovery runs, and then only the answers of the groups the cluster
// serves count. An unserved group answers 404, or 403 to a user without
// RBAC on it, and neither may hide or stand for the backup; the
// StatusSubresource of the result comes from discovery.
func DiscoverAndFind(ctx context.Context, disc rest.Interface, dyn dynamic.Interface, only string, ref backup.Ref) (Found, []API, error) {
	groups := KnownGroups()
	if only != "" {
		groups = []string{only}
	}
	var apis []API
	var discErr error
	answers := make([]answer, len(groups))
	var wg sync.WaitGroup
	wg.Go(func() { apis, discErr = Discover(ctx, disc, only) })
	for i, group := range groups {
		wg.Go(func() { answers[i] = get(ctx, dyn, API{Group: group, Version: backup.Version}, ref) })
	}
	wg.Wait()
	if discErr != nil {
		return Found{}, nil, discErr
	}
	served := make([]answer, len(apis))
	for i, api := range apis {
		for k, group := range groups {
			if group == api.Group {
				served[i] = answers[k]
			}
		}
	}
	found, err := resolve(ref, apis, served)
	return found, apis, err
}

// answer is one group's reply to the GET of the backup.
type answer struct {
	object *unstructured.Unstructured
	err    error // nil when found or not found
}

// hard: neither found, nor absent, nor forbidden.
func (a answer) hard() bool { return a.err != nil && !apierrors.IsForbidden(a.err) }

func get(ctx context.Context, dyn dynamic.Interface, api API, ref backup.Ref) answer {
	u, err := dyn.Resource(api.GVR()).Namespace(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return answer{}
	}
	return answer{object: u, err: err}
}

// resolve turns the answers of the served groups (answers[i] is apis[i]'s)
// into the backup or the one error that says why there is none.
func resolve(ref backup.Ref, apis []API, answers []answer) (Found, error) {
	for _, a := range answers {
		if a.hard() {
			return Found{}, a.err
		}
	}
	var hit Found
	for i, a := range answers {
		if a.err != nil || a.object == nil {
			continue
		}
		if hit.Object != nil {
			return Found{}, &AmbiguousError{Ref: ref}
		}
		hit = Found{API: apis[i], Object: a.object}
	}
	if hit.Object != nil {
		return hit, nil
	}
	var forbidden []string
	var cause error
	for i, a := range answers {
		if a.err != nil {
			forbidden, cause = append(forbidden, apis[i].Group), a.err
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
