package stream

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// podWatch finds the backup pods that start while following (a retry
// makes a new Job and Pod) through an informer, which lists again after
// an expired resourceVersion and reconnects a dropped watch.
type podWatch struct {
	kube  kubernetes.Interface
	b     *backup.Backup
	seen  map[string]bool    // pods already followed, by name
	jobs  map[types.UID]bool // Jobs known to be (true) or not be the backup's
	start func(LogSource)
	note  func(source, msg string)
}

func jobsOf(o *backupapi.Owned) map[types.UID]bool {
	jobs := map[types.UID]bool{}
	for _, j := range o.Jobs {
		jobs[j.UID] = true
	}
	return jobs
}

// run watches until ctx ends. The handlers run on the informer's one
// goroutine, so the maps need no lock.
func (w *podWatch) run(ctx context.Context) {
	pods := w.kube.CoreV1().Pods(w.b.Namespace)
	sel := backupapi.BackupLabel + "=" + w.b.Name
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.LabelSelector = sel
			return pods.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.LabelSelector = sel
			return pods.Watch(ctx, o)
		},
	}
	inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{})
	said := ""
	_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
		if msg := backupapi.Access(err, "watch", "", "pods", "", w.b.Namespace).Error(); msg != said && ctx.Err() == nil {
			said = msg
			w.note("", "watching the backup's pods: "+msg+"; retrying")
		}
	})
	handle := func(obj any) {
		if p, ok := obj.(*corev1.Pod); ok {
			w.consider(ctx, p)
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handle,
		UpdateFunc: func(_, obj any) { handle(obj) },
	})
	inf.RunWithContext(ctx)
}

// consider starts following a pod once its backup container has started,
// if its owner chain leads to the backup.
func (w *podWatch) consider(ctx context.Context, p *corev1.Pod) {
	if w.seen[p.Name] || !containerStarted(p, BackupContainer) || !w.owned(ctx, p) {
		return
	}
	w.seen[p.Name] = true
	w.note("pod "+p.Namespace+"/"+p.Name, "started: following its log")
	w.start(LogSource{Namespace: p.Namespace, Pod: p.Name, Container: BackupContainer})
}

// owned: the pod's Job is owned by the backup. A Job not seen before is
// read once; a failed read is tried again on the pod's next update.
func (w *podWatch) owned(ctx context.Context, p *corev1.Pod) bool {
	for _, ref := range p.OwnerReferences {
		if ref.Kind != "Job" {
			continue
		}
		if mine, ok := w.jobs[ref.UID]; ok {
			return mine
		}
		job, err := w.kube.BatchV1().Jobs(p.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if ctx.Err() == nil {
				w.note("pod "+p.Namespace+"/"+p.Name, fmt.Sprintf("its Job could not be read: %v", backupapi.Access(err, "get", "batch", "jobs", "", p.Namespace)))
			}
			return false
		}
		mine := job.UID == ref.UID && ownedBy(job.OwnerReferences, types.UID(w.b.UID))
		w.jobs[ref.UID] = mine
		return mine
	}
	return false
}

func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.UID == uid {
			return true
		}
	}
	return false
}
