package stream

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// startInformers keeps r.owners up to date: one informer on the Backups of
// each API, one on the Jobs and one on the Pods that carry the operators'
// backup label. Their caches keep only the metadata the owner chain needs,
// so memory grows with the number of backups, not with their size.
func (r *runner) startInformers(ctx context.Context) []cache.InformerSynced {
	var synced []cache.InformerSynced
	run := func(inf cache.SharedIndexInformer, group, resource string, onAdd func(metav1.Object)) {
		_ = inf.SetTransform(metadataOnly)
		_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
			r.informerError(err, group, resource)
		})
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { r.ownerChanged(obj, onAdd) },
			UpdateFunc: func(_, obj any) { r.ownerChanged(obj, onAdd) },
			DeleteFunc: func(obj any) { r.ownerDeleted(obj) },
		})
		synced = append(synced, inf.HasSynced)
		go inf.RunWithContext(ctx)
	}
	for _, api := range r.o.APIs {
		lw := backupapi.ListWatch(r.c.Dynamic, api, r.o.Namespace)
		if r.o.Backup != "" {
			lw = withOptions(lw, func(o *metav1.ListOptions) {
				o.FieldSelector = fields.OneTermEqualSelector("metadata.name", r.o.Backup).String()
			})
		}
		run(cache.NewSharedIndexInformer(lw, &unstructured.Unstructured{}, 0, cache.Indexers{}), api.Group, backup.Resource,
			func(m metav1.Object) {
				r.owners.setBackup(m.GetUID(), backupKey{group: api.Group, namespace: m.GetNamespace(), name: m.GetName()})
			})
	}
	selector := backupapi.BackupLabel
	if r.o.Backup != "" {
		selector += "=" + r.o.Backup
	}
	child := func(m metav1.Object) { r.owners.setChild(m.GetUID(), m.GetOwnerReferences()) }
	labelled := func(o *metav1.ListOptions) { o.LabelSelector = selector }
	if r.o.Jobs {
		jobs := r.c.Kube.BatchV1().Jobs(r.o.Namespace)
		lw := &cache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return jobs.List(ctx, o)
			},
			WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return jobs.Watch(ctx, o)
			},
		}
		run(cache.NewSharedIndexInformer(withOptions(lw, labelled), &batchv1.Job{}, 0, cache.Indexers{}), "batch", "jobs", child)
	}
	if r.o.Pods {
		pods := r.c.Kube.CoreV1().Pods(r.o.Namespace)
		lw := &cache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return pods.List(ctx, o)
			},
			WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				return pods.Watch(ctx, o)
			},
		}
		run(cache.NewSharedIndexInformer(withOptions(lw, labelled), &corev1.Pod{}, 0, cache.Indexers{}), "", "pods", child)
	}
	return synced
}

// withOptions narrows a list-and-watch (a selector).
func withOptions(lw *cache.ListWatch, tweak func(*metav1.ListOptions)) *cache.ListWatch {
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			tweak(&o)
			return lw.ListWithContextFunc(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			tweak(&o)
			return lw.WatchFuncWithContext(ctx, o)
		},
	}
}

// metadataOnly is the informers' transform: the cache keeps names, UIDs
// and owner references, nothing of specs or statuses.
func metadataOnly(obj any) (any, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return obj, nil // a tombstone
	}
	return &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
		ResourceVersion: m.GetResourceVersion(), OwnerReferences: m.GetOwnerReferences(),
	}}, nil
}

func (r *runner) ownerChanged(obj any, set func(metav1.Object)) {
	if m, ok := obj.(metav1.Object); ok {
		set(m)
		r.signalChanged()
	}
}

func (r *runner) ownerDeleted(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	if m, ok := obj.(metav1.Object); ok {
		r.owners.remove(m.GetUID())
	}
}

// signalChanged wakes the event loop to look at the held events again;
// one pending signal is enough.
func (r *runner) signalChanged() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// informerError: a refused list or watch ends the command (the informer
// would retry for ever); anything else is an outage, said once, and the
// informer reconnects by itself.
func (r *runner) informerError(err error, group, resource string) {
	if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
		r.stop(backupapi.Access(err, "watch", group, resource, "", r.o.Namespace))
		return
	}
	r.lost(fmt.Sprintf("%s (API group %s)", resource, displayGroup(group)), err)
}

func displayGroup(g string) string {
	if g == "" {
		return `"" (core)`
	}
	return g
}
