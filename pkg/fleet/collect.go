package fleet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
)

// Source is one cluster to read.
type Source struct {
	// Context names it in the output; "" when only one is read.
	Context string
	Clients backupapi.Clients
	// Namespace to read; "" reads all namespaces (-A).
	Namespace string
	// Err is set when the source could not even be set up (a context
	// missing from the kubeconfig, credentials that cannot be loaded): it
	// becomes the source's error line.
	Err error
}

// Options select and tune what Collect reads.
type Options struct {
	APIGroup string // --api-group: one group only
	Failing  bool   // keep only rows that need attention
	Now      time.Time
	Diagnose diagnose.Options
	PageSize int64
	// Parallel bounds the contexts read at once and, when a user may not
	// list all namespaces, the namespaces listed at once.
	Parallel int
}

// Collect reads every source concurrently and returns the sorted status.
// Nothing a source does ends the others: its failures become error lines.
func Collect(ctx context.Context, sources []Source, o Options) *Status {
	var keep func(Row) bool
	if o.Failing {
		keep = func(r Row) bool { return r.State.NeedsAttention() }
	}
	c := newCollector(o.Now, keep)
	g := new(errgroup.Group)
	g.SetLimit(max(o.Parallel, 1))
	for _, src := range sources {
		g.Go(func() error {
			collectSource(ctx, src, o, c)
			return nil
		})
	}
	_ = g.Wait() // each source records its own failures
	return c.done()
}

func collectSource(ctx context.Context, src Source, o Options, c *collector) {
	if src.Err != nil {
		c.error(Problem{Context: src.Context, Message: src.Err.Error(), Err: src.Err})
		return
	}
	apis, err := backupapi.Discover(ctx, src.Clients.Kube.Discovery().RESTClient(), o.APIGroup)
	if err != nil {
		c.error(Problem{Context: src.Context, Message: discoveryMessage(err), Err: err})
		return
	}
	if o.APIGroup == "" {
		for _, g := range missingGroups(apis) {
			c.note(Problem{Context: src.Context, Group: g, Message: fmt.Sprintf("the cluster does not serve backups.%s (%s): no backups of that operator version here", g, operatorOf(g))})
		}
	}
	// The two groups are listed at once: two round trips become one.
	g := new(errgroup.Group)
	for _, api := range apis {
		g.Go(func() error {
			collectAPI(ctx, src, api, o, c)
			return nil
		})
	}
	_ = g.Wait()
}

// discoveryMessage says why a cluster could not be read at all, the way
// a person fixes it; the Problem keeps the error itself.
func discoveryMessage(err error) string {
	var netErr net.Error
	var urlErr *url.Error
	switch {
	case errors.Is(err, backupapi.ErrNoBackupAPI):
		return err.Error()
	case apierrors.IsUnauthorized(err):
		return "the API server refused the credentials (401 Unauthorized): log in again, or check the context's user in the kubeconfig"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return "no answer from the API server in time (raise --request-timeout, or check that the cluster is up)"
	case errors.As(err, &urlErr):
		return "cannot reach the API server: " + rootCause(urlErr.Err)
	}
	return "could not reach the API server: " + err.Error()
}

// rootCause keeps the last part of a wrapped transport error ("connect:
// connection refused"), the part a person acts on.
func rootCause(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

func operatorOf(group string) string { return "operator " + operator(group) }

func missingGroups(apis []backupapi.API) []string {
	var out []string
	for _, g := range backupapi.KnownGroups() {
		served := false
		for _, a := range apis {
			served = served || a.Group == g
		}
		if !served {
			out = append(out, g)
		}
	}
	return out
}

// collectAPI lists one group. When the user may not list it in all
// namespaces, the error names the permission and suggests -n, and the
// namespaces they may read are still listed one by one.
func collectAPI(ctx context.Context, src Source, api backupapi.API, o Options, c *collector) {
	read := 0
	err := listInto(ctx, src, api, src.Namespace, o, c, &read)
	if err == nil {
		return
	}
	if src.Namespace != "" || read > 0 || !forbidden(err) {
		c.error(Problem{Context: src.Context, Group: api.Group, Namespace: src.Namespace, Message: err.Error(), Err: err})
		return
	}
	namespaces, nerr := listNamespaces(ctx, src.Clients, o.PageSize)
	if nerr != nil {
		// One line says both: what is missing, and that no namespace
		// could be tried instead.
		c.error(Problem{Context: src.Context, Group: api.Group, Err: err, Message: err.Error() +
			"; name a namespace you may read with -n NAMESPACE (the namespaces could not be listed to try each: " + nerr.Error() + ")"})
		return
	}
	c.error(Problem{Context: src.Context, Group: api.Group, Err: err, Message: err.Error() + "; name a namespace you may read with -n NAMESPACE"})
	shown, refused := perNamespace(ctx, src, api, namespaces, o, c)
	c.note(Problem{Context: src.Context, Group: api.Group, Message: fmt.Sprintf(
		"listed backups.%s namespace by namespace instead: %d of %d namespaces could be read, %d refused", api.Group, shown, len(namespaces), refused)})
}

// perNamespace lists the group in each namespace, a bounded number at a
// time; a refused namespace is only counted, any other failure is an
// error line.
func perNamespace(ctx context.Context, src Source, api backupapi.API, namespaces []string, o Options, c *collector) (shown, refused int) {
	type result struct {
		ns  string
		err error
	}
	results := make([]result, len(namespaces))
	g := new(errgroup.Group)
	g.SetLimit(max(o.Parallel, 1))
	for i, ns := range namespaces {
		g.Go(func() error {
			read := 0
			results[i] = result{ns, listInto(ctx, src, api, ns, o, c, &read)}
			return nil
		})
	}
	_ = g.Wait()
	for _, r := range results {
		switch {
		case r.err == nil:
			shown++
		case forbidden(r.err):
			refused++
		default:
			c.error(Problem{Context: src.Context, Group: api.Group, Namespace: r.ns, Message: r.err.Error()})
		}
	}
	return shown, refused
}

// listInto reduces each backup to its row as its page streams in.
func listInto(ctx context.Context, src Source, api backupapi.API, ns string, o Options, c *collector, read *int) error {
	return backupapi.ListSlim(ctx, src.Clients.Kube.Discovery().RESTClient(), []backupapi.API{api}, backupapi.ListOptions{Namespace: ns, PageSize: o.PageSize},
		func(api backupapi.API, u *unstructured.Unstructured) error {
			*read++
			b, err := backup.FromUnstructured(u)
			if err != nil {
				c.error(Problem{Context: src.Context, Group: api.Group, Namespace: u.GetNamespace(), Message: fmt.Sprintf("backup %s/%s cannot be read: %v", u.GetNamespace(), u.GetName(), err)})
				return nil
			}
			row := NewRow(b, api.StatusSubresource, o.Now, o.Diagnose)
			row.Context = src.Context
			c.add(row)
			return nil
		})
}

func listNamespaces(ctx context.Context, clients backupapi.Clients, pageSize int64) ([]string, error) {
	var out []string
	opts := metav1.ListOptions{Limit: max(pageSize, backupapi.DefaultPageSize)}
	for {
		list, err := clients.Kube.CoreV1().Namespaces().List(ctx, opts)
		if err != nil {
			return nil, backupapi.Access(err, "list", "", "namespaces", "", "")
		}
		for _, n := range list.Items {
			out = append(out, n.Name)
		}
		if opts.Continue = list.Continue; opts.Continue == "" {
			return out, nil
		}
	}
}

func forbidden(err error) bool { return apierrors.IsForbidden(err) }
