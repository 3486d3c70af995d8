package fleet

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// Change types of a watch, as Kubernetes names watch events.
const (
	Added    = "ADDED"
	Modified = "MODIFIED"
	Deleted  = "DELETED"
)

// Change is one row that a watch saw change.
type Change struct {
	Type string
	Row  Row
}

// Watcher follows the backups of every source through informers: they
// list, then watch from the list's resourceVersion, list again when it
// has expired (410) and reconnect after a dropped connection. The stores
// hold slimmed objects (backupapi.Slim), not whole Backups. Each source
// starts on its own: one that hangs or fails holds back no other.
type Watcher struct {
	// Changes delivers every change; the rows of a source's first list
	// arrive as Added. Nothing is sent after the watch's context ends.
	Changes chan Change
	// Problems delivers watch troubles: a source that could not start, a
	// connection lost (said once until the source recovers), a source
	// that stopped for good.
	Problems chan Problem
	sources  []*watchedSource
	o        Options
	// live counts the sources still running; at zero nothing more can come.
	live sync.WaitGroup
}

// watchedSource is one source's start: ready is closed once its groups
// are discovered and its informers started (synced is then set), or once
// it failed.
type watchedSource struct {
	name   string
	ready  chan struct{}
	synced []cache.InformerSynced
}

// NewWatcher starts every source at once and returns.
func NewWatcher(ctx context.Context, sources []Source, o Options) *Watcher {
	w := &Watcher{Changes: make(chan Change, 64), Problems: make(chan Problem, 16), o: o}
	for _, src := range sources {
		ws := &watchedSource{name: src.Context, ready: make(chan struct{})}
		w.sources = append(w.sources, ws)
		w.live.Add(1)
		go func() {
			defer w.live.Done()
			apis, err := w.discover(ctx, src)
			if err != nil {
				close(ws.ready)
				msg := discoveryMessage(err)
				if src.Err != nil {
					msg = err.Error() // not the cluster's failure: the kubeconfig's
				}
				w.problem(ctx, Problem{Context: src.Context, Message: msg, Err: err})
				return
			}
			var running sync.WaitGroup
			for _, api := range apis {
				ws.synced = append(ws.synced, w.start(ctx, src, api, &running))
			}
			close(ws.ready)
			running.Wait()
		}()
	}
	return w
}

// Synced waits until every source has handed over its first list (or
// failed), or until ctx ends; it returns the contexts still pending. The
// sources are waited for at once, so one that hangs uses no other's time.
func (w *Watcher) Synced(ctx context.Context) (pending []string) {
	var mu sync.Mutex
	var g sync.WaitGroup
	for _, ws := range w.sources {
		g.Go(func() {
			select {
			case <-ws.ready:
				if cache.WaitForCacheSync(ctx.Done(), ws.synced...) {
					return
				}
			case <-ctx.Done():
			}
			mu.Lock()
			defer mu.Unlock()
			pending = append(pending, ws.name)
		})
	}
	g.Wait()
	slices.Sort(pending)
	return pending
}

// Done is closed when no source runs any more (each stopped for good).
func (w *Watcher) Done() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		w.live.Wait()
		close(done)
	}()
	return done
}

func (w *Watcher) discover(ctx context.Context, src Source) ([]backupapi.API, error) {
	if src.Err != nil {
		return nil, src.Err
	}
	return backupapi.Discover(ctx, src.Clients.Kube.Discovery().RESTClient(), w.o.APIGroup)
}

// start runs one group's informer and returns its synced test.
func (w *Watcher) start(ctx context.Context, src Source, api backupapi.API, running *sync.WaitGroup) cache.InformerSynced {
	inf := cache.NewSharedIndexInformer(backupapi.SlimListWatch(src.Clients.Kube.Discovery().RESTClient(), src.Clients.Dynamic, api, src.Namespace), &unstructured.Unstructured{}, 0, cache.Indexers{})
	_ = inf.SetTransform(backupapi.Slim)
	ictx, stop := context.WithCancel(ctx)
	// lost: a connection loss was said and no change has come since. The
	// error handler and the event handlers run on different goroutines.
	var lost atomic.Bool
	_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
		where := Problem{Context: src.Context, Group: api.Group, Namespace: src.Namespace}
		switch {
		case ictx.Err() != nil, apierrors.IsResourceExpired(err), apierrors.IsGone(err), err == io.EOF:
			// Ending, or the normal life of a watch: the informer lists again.
		case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err), apierrors.IsNotFound(err):
			where.Message = "watch stopped: " + backupapi.Access(err, "watch", api.Group, backup.Resource, "", src.Namespace).Error()
			if src.Namespace == "" && apierrors.IsForbidden(err) {
				// A watch needs the permission for all namespaces; a list
				// (status -A without --watch) goes namespace by namespace.
				where.Message += "; watch one namespace with -n NAMESPACE, or run status -A without --watch to list the namespaces you may read"
			}
			w.problem(ctx, where)
			stop()
		case lost.CompareAndSwap(false, true):
			where.Message = fmt.Sprintf("watch of backups.%s interrupted, reconnecting: %v", api.Group, err)
			w.problem(ctx, where)
		}
	})
	send := func(typ string, obj any) {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			lost.Store(false)
			if row, ok := w.row(src, api, u); ok {
				select {
				case w.Changes <- Change{Type: typ, Row: row}:
				case <-ictx.Done():
				}
			}
		}
	}
	reg, _ := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { send(Added, obj) },
		UpdateFunc: func(old, obj any) {
			// A list again after 410, or a change of what the row does not
			// read (labels, annotations: Slim drops them), is no change.
			if !sameObject(old, obj) {
				send(Modified, obj)
			}
		},
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			send(Deleted, obj)
		},
	})
	running.Add(1)
	go func() {
		defer running.Done()
		defer stop()
		inf.RunWithContext(ictx)
	}()
	// The handler's own HasSynced: true once every object of the first
	// list has been handed to it (the informer's says only that they are
	// in its store), so the first table is complete.
	return func() bool { return (reg != nil && reg.HasSynced()) || ictx.Err() != nil }
}

func (w *Watcher) row(src Source, api backupapi.API, u *unstructured.Unstructured) (Row, bool) {
	b, err := backup.FromUnstructured(u)
	if err != nil {
		return Row{}, false
	}
	r := NewRow(b, api.StatusSubresource, time.Now(), w.o.Diagnose)
	r.Context = src.Context
	return r, true
}

func (w *Watcher) problem(ctx context.Context, p Problem) {
	select {
	case w.Problems <- p:
	case <-ctx.Done():
	}
}

// sameObject: two slimmed objects that differ at most in their
// resourceVersion.
func sameObject(a, b any) bool {
	ua, ok1 := a.(*unstructured.Unstructured)
	ub, ok2 := b.(*unstructured.Unstructured)
	if !ok1 || !ok2 {
		return false
	}
	if ua.GetResourceVersion() == ub.GetResourceVersion() {
		return true
	}
	ca, cb := ua.DeepCopy(), ub.DeepCopy()
	ca.SetResourceVersion("")
	cb.SetResourceVersion("")
	return equality.Semantic.DeepEqual(ca.Object, cb.Object)
}
