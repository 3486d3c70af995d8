package bundle

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// Target is one backup to put in the bundle, as listed or found.
type Target struct {
	API    backupapi.API
	Object *unstructured.Unstructured
}

// Ref of the target.
func (t Target) Ref() backup.Ref {
	return backup.Ref{Namespace: t.Object.GetNamespace(), Name: t.Object.GetName()}
}

// TargetQuery says which backups: one (Ref set), or every backup of a
// namespace ("" = all namespaces), at most Max.
type TargetQuery struct {
	APIGroup  string // --api-group; "" = every served group
	Ref       *backup.Ref
	Namespace string
	Max       int
}

// Targets are the backups the bundle covers and how many more there
// were past q.Max. The error means no backup could be listed or found
// (the command's one line); the APIs served are returned for versions.
func Targets(ctx context.Context, c backupapi.Clients, q TargetQuery) (targets []Target, more int, apis []backupapi.API, err error) {
	if q.Ref != nil {
		found, apis, err := backupapi.DiscoverAndFind(ctx, c.Kube.Discovery().RESTClient(), c.Dynamic, q.APIGroup, *q.Ref)
		if err != nil {
			return nil, 0, apis, err
		}
		return []Target{{API: found.API, Object: found.Object}}, 0, apis, nil
	}
	apis, err = backupapi.Discover(ctx, c.Kube.Discovery().RESTClient(), q.APIGroup)
	if err != nil {
		return nil, 0, nil, err
	}
	err = backupapi.List(ctx, c.Dynamic, apis, backupapi.ListOptions{Namespace: q.Namespace}, func(api backupapi.API, u *unstructured.Unstructured) error {
		if len(targets) >= q.Max {
			more++
			return nil
		}
		targets = append(targets, Target{API: api, Object: u.DeepCopy()}) // not the page: it is let go
		return nil
	})
	if err != nil {
		return nil, 0, apis, err
	}
	if len(targets) == 0 {
		where := "in any namespace"
		if q.Namespace != "" {
			where = "in namespace " + q.Namespace
		}
		return nil, 0, apis, fmt.Errorf("no backups %s: nothing to put in a bundle (-A reads every namespace)", where)
	}
	return targets, more, apis, nil
}
