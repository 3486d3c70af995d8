package bundle

import (
	"context"
	"fmt"
	"path"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
)

// addWorkload writes the backup's Jobs, Pods and Events as YAML and the
// Pods' logs, and collects the Secrets the Pods refer to.
func (b *Bundle) addWorkload(ctx context.Context, r Reader, dir string, bk *backup.Backup) error {
	ref := backup.Ref{Namespace: bk.Namespace, Name: bk.Name}
	rctx, cancel := r.bound(ctx)
	owned, err := backupapi.ListOwned(rctx, r.Clients.Kube, bk)
	cancel()
	if err != nil {
		// The Jobs read before the Pods failed are still written.
		b.Note("%s: jobs and pods: %v", ref, err)
	}
	uids := []types.UID{types.UID(bk.UID)}
	if owned != nil {
		b.registerOwned(owned.Jobs, owned.Pods)
		jobs := make([]map[string]any, 0, len(owned.Jobs))
		for i := range owned.Jobs {
			uids = append(uids, owned.Jobs[i].UID)
			jobs = append(jobs, b.object(&owned.Jobs[i], "batch/v1", "Job"))
		}
		if err := b.writeKinded(path.Join(dir, "jobs.yaml"), output.YAML, list(jobs)); err != nil {
			return err
		}
		if owned.Pods != nil || err == nil {
			pods := make([]map[string]any, 0, len(owned.Pods))
			for i := range owned.Pods {
				p := &owned.Pods[i]
				uids = append(uids, p.UID)
				pods = append(pods, b.object(p, "v1", "Pod"))
				b.addSecretRefs(ctx, r, ref, podSecretRefs(p))
			}
			if err := b.writeKinded(path.Join(dir, "pods.yaml"), output.YAML, list(pods)); err != nil {
				return err
			}
		}
	}
	if err := b.addEvents(ctx, r, ref, dir, uids); err != nil {
		return err
	}
	if owned == nil {
		return nil
	}
	for i := range owned.Pods {
		if err := b.addPodLogs(ctx, r, ref, dir, &owned.Pods[i]); err != nil {
			return err
		}
	}
	return nil
}

// object converts a typed object to a redacted map with its kind set
// (client-go's lists leave TypeMeta empty).
func (b *Bundle) object(obj any, apiVersion, kind string) map[string]any {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		// Not expected for API types; the object is left out, said in its place.
		return map[string]any{"apiVersion": apiVersion, "kind": kind, "error": fmt.Sprintf("could not convert: %v", err)}
	}
	m["apiVersion"], m["kind"] = apiVersion, kind
	RedactObject(m)
	return m
}

// addEvents writes the events of the backup, its Jobs and its Pods, found
// by each object's UID (a name would also match other kinds' objects).
func (b *Bundle) addEvents(ctx context.Context, r Reader, ref backup.Ref, dir string, uids []types.UID) error {
	items := []map[string]any{}
	read := false
	for _, uid := range uids {
		rctx, cancel := r.bound(ctx)
		sel := fields.OneTermEqualSelector("involvedObject.uid", string(uid)).String()
		evs, err := r.Clients.Kube.CoreV1().Events(ref.Namespace).List(rctx, metav1.ListOptions{FieldSelector: sel})
		cancel()
		if err != nil {
			b.Note("%s: events: %v", ref, backupapi.Access(err, "list", "", "events", "", ref.Namespace))
			if !read {
				return nil // not one list read: no file, the note says why
			}
			break
		}
		read = true
		for i := range evs.Items {
			items = append(items, b.object(&evs.Items[i], "v1", "Event"))
		}
	}
	return b.writeKinded(path.Join(dir, "events.yaml"), output.YAML, list(items))
}

// addPodLogs writes the log of every container of a pod, init
// containers first, each read up to LimitBytes.
func (b *Bundle) addPodLogs(ctx context.Context, r Reader, ref backup.Ref, dir string, p *corev1.Pod) error {
	var names []string
	for _, c := range p.Spec.InitContainers {
		names = append(names, c.Name)
	}
	for _, c := range p.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range names {
		if err := b.addLog(ctx, r, ref, dir, p.Name, c); err != nil {
			return err
		}
	}
	return nil
}
