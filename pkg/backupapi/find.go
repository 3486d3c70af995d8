// Package gather reads everything about one backup from the cluster into a
// report.Report: the Backup itself first (without it there is nothing to
// show), then every other source in parallel, each into its own section.
package gather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// API is one served Backup API.
type API struct {
	Group   string
	Version string
	// StatusSubresource: discovery lists backups/status (operator v2).
	StatusSubresource bool
}

// GVR of the backups resource in this API.
func (a API) GVR() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: a.Group, Version: a.Version, Resource: backup.Resource}
}

// ErrNoBackupAPI: neither operator's CRD is installed.
var ErrNoBackupAPI = errors.New("no Backup API in this cluster (neither pingcap.com/v1alpha1 nor br.pingcap.com/v1alpha1 serves backups): is TiDB Operator installed?")

// KnownGroups are the groups that serve kind Backup, v1 first.
func KnownGroups() []string { return []string{backup.GroupV1, backup.GroupV2} }

// DiscoverAPIs asks the API server which of the Backup groups it serves.
// only limits the search to one group (--api-group). It reads the two
// group-version documents directly instead of the whole discovery tree:
// two small requests, and both honour the context's deadline.
func DiscoverAPIs(ctx context.Context, disc rest.Interface, only string) ([]API, error) {
	groups := KnownGroups()
	if only != "" {
		groups = []string{only}
	}
	found := make([]*API, len(groups))
	g, ctx := errgroup.WithContext(ctx)
	for i, group := range groups {
		g.Go(func() error {
			raw, err := disc.Get().AbsPath("/apis", group, backup.Version).Do(ctx).Raw()
			if apierrors.IsNotFound(err) {
				return nil
			}
			if err != nil {
				return err
			}
			var list metav1.APIResourceList
			if err := json.Unmarshal(raw, &list); err != nil {
				return fmt.Errorf("reading discovery of %s/%s: %w", group, backup.Version, err)
			}
			api := API{Group: group, Version: backup.Version}
			served := false
			for _, r := range list.APIResources {
				switch r.Name {
				case backup.Resource:
					served = true
				case backup.Resource + "/status":
					api.StatusSubresource = true
				}
			}
			if served {
				found[i] = &api
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var apis []API
	for _, a := range found {
		if a != nil {
			apis = append(apis, *a)
		}
	}
	if len(apis) == 0 {
		if only != "" {
			return nil, fmt.Errorf("the cluster does not serve backups in API group %s/%s; drop --api-group or pick one of: %s", only, backup.Version, strings.Join(KnownGroups(), ", "))
		}
		return nil, ErrNoBackupAPI
	}
	return apis, nil
}

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

// FindBackup gets the backup from every served group at once; the group
// that has it wins, and a name present in two groups is an error. A group
// the user may not read is passed over when another has the backup.
func FindBackup(ctx context.Context, dyn dynamic.Interface, apis []API, ref backup.Ref) (*unstructured.Unstructured, API, error) {
	objs := make([]*unstructured.Unstructured, len(apis))
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
				objs[i] = u
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, API{}, err
	}
	var hit *unstructured.Unstructured
	var hitAPI API
	for i, u := range objs {
		if u == nil {
			continue
		}
		if hit != nil {
			return nil, API{}, &AmbiguousError{Ref: ref}
		}
		hit, hitAPI = u, apis[i]
	}
	if hit != nil {
		return hit, hitAPI, nil
	}
	var forbidden []string
	for i, err := range errs {
		if err != nil {
			forbidden = append(forbidden, apis[i].Group)
		}
	}
	if len(forbidden) > 0 {
		return nil, API{}, fmt.Errorf("forbidden: missing permission to get backups (API group %s) in namespace %s",
			strings.Join(forbidden, " and "), ref.Namespace)
	}
	return nil, API{}, &NotFoundError{Ref: ref, APIs: apis}
}

func groupList(apis []API) string {
	names := make([]string, len(apis))
	for i, a := range apis {
		names[i] = a.Group + "/" + a.Version
	}
	return strings.Join(names, " and ")
}
