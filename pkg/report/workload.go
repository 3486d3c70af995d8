package report

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NewWorkload reduces a backup's Jobs and Pods (newest first, as
// backupapi.ListOwned returns them) to what the views show: each Job's
// counts and conditions, each container's cause.
func NewWorkload(jobs []batchv1.Job, pods []corev1.Pod, podJob map[string]string, unowned int) WorkloadSection {
	w := WorkloadSection{Jobs: []Job{}, Pods: []Pod{}, Unowned: unowned}
	for i := range jobs {
		w.Jobs = append(w.Jobs, jobFrom(&jobs[i]))
	}
	for i := range pods {
		w.Pods = append(w.Pods, podFrom(&pods[i], podJob[pods[i].Name]))
	}
	return w
}

func jobFrom(j *batchv1.Job) Job {
	out := Job{Name: j.Name, Created: j.CreationTimestamp.Time, Active: j.Status.Active,
		Succeeded: j.Status.Succeeded, Failed: j.Status.Failed, Conditions: []string{},
		Started: timePtr(j.Status.StartTime), Completed: timePtr(j.Status.CompletionTime)}
	for _, c := range j.Status.Conditions {
		s := fmt.Sprintf("%s=%s", c.Type, c.Status)
		if c.Reason != "" {
			s += " (" + c.Reason + ")"
		}
		out.Conditions = append(out.Conditions, s)
		out.Transitions = append(out.Transitions, JobCondition{Type: string(c.Type), Status: string(c.Status),
			Reason: c.Reason, Message: c.Message, At: c.LastTransitionTime.Time})
	}
	return out
}

// timePtr is nil for an absent or zero time.
func timePtr(t *metav1.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}

func podFrom(p *corev1.Pod, job string) Pod {
	out := Pod{Name: p.Name, Job: job, Phase: string(p.Status.Phase), Node: p.Spec.NodeName, Containers: []Container{}}
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

func containerFrom(s corev1.ContainerStatus, init bool, memLimit string) Container {
	c := Container{Name: s.Name, Init: init, Restarts: s.RestartCount}
	switch st := s.State; {
	case st.Terminated != nil:
		c.State, c.Reason, c.Message = "terminated", st.Terminated.Reason, st.Terminated.Message
		code := st.Terminated.ExitCode
		c.ExitCode = &code
		c.StartedAt, c.FinishedAt = timePtr(&st.Terminated.StartedAt), timePtr(&st.Terminated.FinishedAt)
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
		c.StartedAt = timePtr(&st.Running.StartedAt)
	default:
		c.State = "unknown"
	}
	if t := s.LastTerminationState.Terminated; t != nil {
		c.LastTermination = &Termination{Reason: t.Reason, ExitCode: t.ExitCode, Message: t.Message,
			StartedAt: timePtr(&t.StartedAt), FinishedAt: timePtr(&t.FinishedAt)}
	}
	if c.Reason == "OOMKilled" || (s.LastTerminationState.Terminated != nil && s.LastTerminationState.Terminated.Reason == "OOMKilled") {
		c.MemoryLimit = memLimit
	}
	return c
}
