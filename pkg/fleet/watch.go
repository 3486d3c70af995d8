package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

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
// hold slimmed objects (backupapi.Slim), not whole Backups.
type Watcher struct {
	// Changes delivers every change; initial rows arrive as Added before
	// Synced is closed. Nothing is sent after the watch's context ends.
	Changes chan Change
	// Problems delivers watch troubles: a source that could not start, a
	// connection lost (said once until the source recovers), a source
	// that stopped for good.
	Problems chan Problem
	synced   []cache.InformerSynced
	o        Options
	// live counts the informers still running; when it reaches zero
	// nothing more can come.
	live sync.WaitGroup
}

// NewWatcher discovers the groups of each source (all at once) and starts
// their informers. A source that cannot be discovered is a problem, not
// the end.
func NewWatcher(ctx context.Context, sources []Source, o Options) *Watcher {
	w := &Watcher{Changes: make(chan Change, 64), Problems: make(chan Problem, 16), o: o}
	apis := make([][]backupapi.API, len(sources))
	var g sync.WaitGroup
	for i, src := range sources {
		g.Go(func() {
			var err error
			if apis[i], err = w.discover(ctx, src); err != nil {
				w.problem(ctx, Problem{Context: src.Context, Message: err.Error()})
			}
		})
	}
	g.Wait()
	for i, src := range sources {
		for _, api := range apis[i] {
			w.start(ctx, src, api)
		}
	}
	return w
}

// Synced waits until every informer has listed, or ctx ends.
func (w *Watcher) Synced(ctx context.Context) bool {
	return cache.WaitForCacheSync(ctx.Done(), w.synced...)
}

// Done is closed when no informer runs any more (each stopped for good).
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
	apis, err := backupapi.Discover(ctx, src.Clients.Kube.Discovery().RESTClient(), w.o.APIGroup)
	if err != nil {
		return nil, errors.New(discoveryMessage(err))
	}
	return apis, nil
}

// start runs one group's informer.
func (w *Watcher) start(ctx context.Context, src Source, api backupapi.API) {
	inf := cache.NewSharedIndexInformer(backupapi.ListWatch(src.Clients.Dynamic, api, src.Namespace), &unstructured.Unstructured{}, 0, cache.Indexers{})
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
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { send(Added, obj) },
		UpdateFunc: func(_, obj any) { send(Modified, obj) },
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			send(Deleted, obj)
		},
	})
	w.synced = append(w.synced, func() bool { return inf.HasSynced() || ictx.Err() != nil })
	w.live.Add(1)
	go func() {
		defer w.live.Done()
		defer stop()
		inf.RunWithContext(ictx)
	}()
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
