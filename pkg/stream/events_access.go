package stream

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// CheckAccess asks once, with one-item lists, what the user may read in
// the scope, before any informer starts: an informer retries a refused
// list for ever, and a person must hear at once what is missing. Events,
// or every Backup group, refused: the error names the permission. One
// group, the Jobs or the Pods refused: that part is left out of o and a
// warning says so.
func CheckAccess(ctx context.Context, c backupapi.Clients, o Options) (Options, []string, error) {
	one := metav1.ListOptions{Limit: 1}
	var mu sync.Mutex
	var warnings []string
	warn := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, fmt.Sprintf(format, a...))
	}
	refused := make([]error, len(o.APIs))
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		_, err := c.Kube.CoreV1().Events(o.Namespace).List(gctx, one)
		return backupapi.Access(err, "list", "", "events", "", o.Namespace)
	})
	for i, api := range o.APIs {
		g.Go(func() error {
			_, err := c.Dynamic.Resource(api.GVR()).Namespace(o.Namespace).List(gctx, one)
			if apierrors.IsForbidden(err) {
				refused[i] = backupapi.Access(err, "list", api.Group, backup.Resource, "", o.Namespace)
				return nil
			}
			return backupapi.Access(err, "list", api.Group, backup.Resource, "", o.Namespace)
		})
	}
	jobs, pods := true, true
	g.Go(func() error {
		_, err := c.Kube.BatchV1().Jobs(o.Namespace).List(gctx, one)
		if apierrors.IsForbidden(err) {
			jobs = false
			warn("the events of the backups' Jobs and Pods are left out: %v", backupapi.Access(err, "list", "batch", "jobs", "", o.Namespace))
			return nil
		}
		return backupapi.Access(err, "list", "batch", "jobs", "", o.Namespace)
	})
	g.Go(func() error {
		_, err := c.Kube.CoreV1().Pods(o.Namespace).List(gctx, one)
		if apierrors.IsForbidden(err) {
			pods = false
			warn("the events of the backups' Pods are left out: %v", backupapi.Access(err, "list", "", "pods", "", o.Namespace))
			return nil
		}
		return backupapi.Access(err, "list", "", "pods", "", o.Namespace)
	})
	if err := g.Wait(); err != nil {
		return o, nil, err
	}
	var kept []backupapi.API
	var denied []string
	var cause error
	for i, api := range o.APIs {
		if refused[i] == nil {
			kept = append(kept, api)
			continue
		}
		denied, cause = append(denied, api.Group), refused[i]
	}
	if len(kept) == 0 {
		return o, nil, &backupapi.AccessError{Verb: "list", Group: strings.Join(denied, " and "), Resource: backup.Resource,
			Namespace: o.Namespace, Err: errorsUnwrap(cause)}
	}
	for i := range refused {
		if refused[i] != nil {
			warn("the backups of %s are left out: %v", o.APIs[i].Group, refused[i])
		}
	}
	o.APIs, o.Jobs, o.Pods = kept, jobs, jobs && pods
	return o, warnings, nil
}

// errorsUnwrap takes the API server's error out of an AccessError, which
// is re-made for both groups at once.
func errorsUnwrap(err error) error {
	if ae, ok := err.(*backupapi.AccessError); ok {
		return ae.Err
	}
	return err
}

// Gaps says which served group is not read because the cluster does not
// serve it (the other operator is not installed).
func Gaps(served []backupapi.API, only string) []string {
	if only != "" {
		return nil
	}
	var out []string
	for _, g := range backupapi.KnownGroups() {
		found := false
		for _, a := range served {
			found = found || a.Group == g
		}
		if !found {
			out = append(out, fmt.Sprintf("this cluster does not serve backups of %s/%s; showing the other group's only", g, backup.Version))
		}
	}
	return out
}
