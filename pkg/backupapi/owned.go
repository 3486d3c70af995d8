package backupapi

import (
	"context"
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// BackupLabel is the label both operators put on a backup's Jobs and Pods.
const BackupLabel = "tidb.pingcap.com/backup"

// Owned is what a backup's runs left: its Jobs and their Pods, newest
// first, found by the operators' label and kept only along the owner chain
// Backup -> Job -> Pod.
type Owned struct {
	Jobs []batchv1.Job
	Pods []corev1.Pod
	// PodJob is the name of each pod's Job, by pod name.
	PodJob map[string]string
	// Unowned counts objects with the label whose owner chain leads
	// elsewhere (e.g. left by a deleted backup of the same name).
	Unowned int
}

// ListOwned lists the backup's Jobs, then their Pods. When the Pods cannot
// be listed, the Jobs read so far are returned with the error.
func ListOwned(ctx context.Context, kube kubernetes.Interface, b *backup.Backup) (*Owned, error) {
	o := &Owned{PodJob: map[string]string{}}
	sel := metav1.ListOptions{LabelSelector: BackupLabel + "=" + b.Name}
	jobs, err := kube.BatchV1().Jobs(b.Namespace).List(ctx, sel)
	if err != nil {
		return o, Access(err, "list", "batch", "jobs", "", b.Namespace)
	}
	jobNames := map[types.UID]string{}
	for _, j := range jobs.Items {
		if !ownedBy(j.OwnerReferences, types.UID(b.UID)) {
			o.Unowned++
			continue
		}
		jobNames[j.UID] = j.Name
		o.Jobs = append(o.Jobs, j)
	}
	sort.SliceStable(o.Jobs, func(i, k int) bool {
		return o.Jobs[i].CreationTimestamp.After(o.Jobs[k].CreationTimestamp.Time)
	})
	pods, err := kube.CoreV1().Pods(b.Namespace).List(ctx, sel)
	if err != nil {
		return o, Access(err, "list", "", "pods", "", b.Namespace)
	}
	for _, p := range pods.Items {
		job := ""
		for _, ref := range p.OwnerReferences {
			if name, ok := jobNames[ref.UID]; ok {
				job = name
			}
		}
		if job == "" {
			o.Unowned++
			continue
		}
		o.PodJob[p.Name] = job
		o.Pods = append(o.Pods, p)
	}
	sort.SliceStable(o.Pods, func(i, k int) bool { return podStarted(&o.Pods[i]).After(podStarted(&o.Pods[k])) })
	return o, nil
}

// podStarted is when a pod started, or its creation until it has.
func podStarted(p *corev1.Pod) time.Time {
	if p.Status.StartTime != nil {
		return p.Status.StartTime.Time
	}
	return p.CreationTimestamp.Time
}

func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.UID == uid {
			return true
		}
	}
	return false
}
