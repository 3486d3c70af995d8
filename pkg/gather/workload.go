package gather

import (
	"context"
	"fmt"
	"sort"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// BackupLabel is the label both operators put on a backup's Jobs and Pods.
const BackupLabel = "tidb.pingcap.com/backup"

// workload is the raw result: the section plus the UIDs of the jobs and
// pods, whose events are read next.
type workload struct {
	section report.WorkloadSection
	uids    []types.UID // jobs and pods, for their events
}

// gatherWorkload lists Jobs and Pods by the backup's label and keeps only
// those whose owner chain (Backup -> Job -> Pod) holds, so objects left by
// a deleted backup of the same name never show up.
func gatherWorkload(ctx context.Context, kube kubernetes.Interface, b *backup.Backup) workload {
	var w workload
	sel := metav1.ListOptions{LabelSelector: BackupLabel + "=" + b.Name}
	jobs, err := kube.BatchV1().Jobs(b.Namespace).List(ctx, sel)
	if err != nil {
		w.section.Error = sectionError(err, access{verb: "list", group: "batch", resource: "jobs", namespace: b.Namespace})
		return w
	}
	jobUIDs := map[types.UID]string{}
	for i := range jobs.Items {
		j := &jobs.Items[i]
		if !ownedBy(j.OwnerReferences, types.UID(b.UID)) {
			w.section.Unowned++
			continue
		}
		jobUIDs[j.UID] = j.Name
		w.uids = append(w.uids, j.UID)
		w.section.Jobs = append(w.section.Jobs, jobFrom(j))
	}
	pods, err := kube.CoreV1().Pods(b.Namespace).List(ctx, sel)
	if err != nil {
		w.section.Error = sectionError(err, access{verb: "list", resource: "pods", namespace: b.Namespace})
		return w
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		job := ""
		for _, ref := range p.OwnerReferences {
			if name, ok := jobUIDs[ref.UID]; ok {
				job = name
			}
		}
		if job == "" {
			w.section.Unowned++
			continue
		}
		w.uids = append(w.uids, p.UID)
		w.section.Pods = append(w.section.Pods, podFrom(p, job))
	}
	// Newest first, as the person on call reads them.
	sort.SliceStable(w.section.Jobs, func(i, j int) bool { return w.section.Jobs[i].Created.After(w.section.Jobs[j].Created) })
	sort.SliceStable(w.section.Pods, func(i, j int) bool { return w.section.Pods[i].Started.After(*w.section.Pods[j].Started) })
	return w
}

func ownedBy(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.UID == uid {
			return true
		}
	}
	return false
}

func jobFrom(j *batchv1.Job) report.Job {
	out := report.Job{Name: j.Name, Created: j.CreationTimestamp.Time, Active: j.Status.Active,
		Succeeded: j.Status.Succeeded, Failed: j.Status.Failed, Conditions: []string{}}
	for _, c := range j.Status.Conditions {
		s := fmt.Sprintf("%s=%s", c.Type, c.Status)
		if c.Reason != "" {
			s += " (" + c.Reason + ")"
		}
		out.Conditions = append(out.Conditions, s)
	}
	return out
}

func podFrom(p *corev1.Pod, job string) report.Pod {
	out := report.Pod{Name: p.Name, Job: job, Phase: string(p.Status.Phase), Node: p.Spec.NodeName, Containers: []report.Container{}}
	// Started is always set (creation time until the pod starts) so pods sort.
	started := p.CreationTimestamp.Time
	if p.Status.StartTime != nil {
		started = p.Status.StartTime.Time
	}
	out.Started = &started
	limits := map[string]string{}
	for _, c := range append(append([]corev1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
		if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
			limits[c.Name] = q.String()
		}
	}
	for _, s := range p.Status.InitContainerStatuses {
		out.Containers = append(out.Containers, containerFrom(s, true, limits[s.Name]))
	}
	for _, s := range p.Status.ContainerStatuses {
		out.Containers = append(out.Containers, containerFrom(s, false, limits[s.Name]))
	}
	return out
}

func containerFrom(s corev1.ContainerStatus, init bool, memLimit string) report.Container {
	c := report.Container{Name: s.Name, Init: init, Restarts: s.RestartCount}
	switch st := s.State; {
	case st.Terminated != nil:
		c.State, c.Reason, c.Message = "terminated", st.Terminated.Reason, st.Terminated.Message
		code := st.Terminated.ExitCode
		c.ExitCode = &code
	case st.Waiting != nil:
		c.State, c.Reason, c.Message = "waiting", st.Waiting.Reason, st.Waiting.Message
		// A crash-looping container's cause is in its last termination.
		if t := s.LastTerminationState.Terminated; t != nil {
			code := t.ExitCode
			c.ExitCode = &code
			if c.Message == "" {
				c.Message = "last exit: " + t.Reason
			}
		}
	case st.Running != nil:
		c.State = "running"
	default:
		c.State = "unknown"
	}
	if c.Reason == "OOMKilled" || (s.LastTerminationState.Terminated != nil && s.LastTerminationState.Terminated.Reason == "OOMKilled") {
		c.MemoryLimit = memLimit
	}
	return c
}
