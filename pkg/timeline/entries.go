package timeline

import (
	"fmt"
	"strings"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// lateAfter is how late a retry may start before the timeline calls it
// late: the controller acts on its next reconcile, seconds after the due
// time, and records times to the second.
const lateAfter = time.Minute

func (c *collector) backupObject() string { return "Backup/" + c.r.Backup.Backup.Name }

// backup: the object's own times.
func (c *collector) backup() {
	b, obj := c.r.Backup.Backup, c.backupObject()
	if !b.Created.IsZero() {
		c.add(byTime, b.Created, report.SourceBackup, obj, "Backup created", "")
	}
	if b.DeletionTimestamp != nil {
		c.add(byTime, *b.DeletionTimestamp, report.SourceBackup, obj, "deletion requested", "finalizers: "+strings.Join(b.Finalizers, ", "))
	}
	if b.TimeSynced != nil {
		c.add(byTime, *b.TimeSynced, report.SourceBackup, obj, "operator last read the log backup's state (status.timeSynced)", "")
	}
	for _, p := range b.Progresses {
		if p.LastTransitionTime != nil {
			c.add(byTime, *p.LastTransitionTime, report.SourceBackup, obj, fmt.Sprintf("progress: %s %.0f%%", p.Step, p.Progress), "")
		}
	}
	if cp := c.r.Backup.Checkpoint; cp != nil {
		c.add(byTime, cp.Time, report.SourceBackup, obj, "checkpoint: data backed up to here (status.logCheckpointTs)", "TSO "+cp.TSO)
	}
}

// retries: each record's detection, due time and start, in its own group.
func (c *collector) retries() {
	b, obj := c.r.Backup.Backup, c.backupObject()
	for i, rec := range b.Records {
		g, n := i+1, "retry #"+itoa(rec.RetryNum)
		if rec.DetectFailedAt != nil {
			c.add(g, *rec.DetectFailedAt, report.SourceRetry, obj, n+": failure detected", reasons(rec))
		}
		if rec.ExpectedRetryAt != nil {
			what := n + " due"
			if rec.RealRetryAt == nil && b.Phase == backup.PhaseFailed {
				what += " (never run: the backup failed)"
			}
			c.add(g, *rec.ExpectedRetryAt, report.SourceRetry, obj, what, "")
		}
		if rec.RealRetryAt != nil {
			what := n + " started"
			if rec.ExpectedRetryAt != nil && rec.RealRetryAt.Sub(*rec.ExpectedRetryAt) > lateAfter {
				what += " (" + human(rec.RealRetryAt.Sub(*rec.ExpectedRetryAt)) + " late)"
			}
			c.add(g, *rec.RealRetryAt, report.SourceRetry, obj, what, "")
		}
	}
}

// reasons is a record's "retryReason; original reason".
func reasons(rec backup.RetryRecord) string {
	var parts []string
	if rec.RetryReason != "" {
		parts = append(parts, "reason: "+rec.RetryReason)
	}
	if rec.OriginalReason != "" {
		parts = append(parts, "original reason: "+rec.OriginalReason)
	}
	return strings.Join(parts, "; ")
}

// conditions: each condition at its last transition (the operators keep
// one per type, so an earlier transition of the same type is gone).
func (c *collector) conditions() {
	for _, cond := range c.r.Backup.Backup.Conditions {
		if cond.LastTransitionTime == nil {
			continue
		}
		what := "condition " + cond.Type + "=" + cond.Status
		if cond.Reason != "" {
			what += " (" + cond.Reason + ")"
		}
		if cond.Command != "" {
			what += " [" + cond.Command + "]"
		}
		c.add(byTime, *cond.LastTransitionTime, report.SourceCondition, c.backupObject(), what, cond.Message)
	}
}

// workload: each Job and its Pods belong to the attempt that started them.
func (c *collector) workload() {
	w := c.r.Workload
	for _, j := range w.Jobs {
		obj := "Job/" + j.Name
		g := c.groupAt(jobStart(j))
		c.objects[obj] = g
		if j.Started != nil {
			c.add(g, *j.Started, report.SourceJob, obj, "Job started", "")
		} else if !j.Created.IsZero() {
			c.add(g, j.Created, report.SourceJob, obj, "Job created, not started", "")
		}
		terminal := map[string]bool{}
		for _, t := range j.Transitions {
			terminal[t.Type] = true
		}
		for _, t := range j.Transitions {
			// Kubernetes writes FailureTarget (SuccessCriteriaMet) just
			// before Failed (Complete): the same news twice.
			if t.At.IsZero() || (t.Type == "FailureTarget" && terminal["Failed"]) || (t.Type == "SuccessCriteriaMet" && terminal["Complete"]) {
				continue
			}
			what := "Job " + t.Type + "=" + t.Status
			if t.Reason != "" {
				what += " (" + t.Reason + ")"
			}
			c.add(g, t.At, report.SourceJob, obj, what, t.Message)
		}
		if j.Completed != nil {
			c.add(g, *j.Completed, report.SourceJob, obj, "Job completed", "")
		}
	}
	for _, p := range w.Pods {
		obj := "Pod/" + p.Name
		g, ok := c.objects["Job/"+p.Job]
		if !ok || p.Job == "" {
			g = c.groupAt(podStart(p))
		}
		c.objects[obj] = g
		if p.Started != nil {
			what := "Pod started"
			if p.Node != "" {
				what += " on node " + p.Node
			}
			c.add(g, *p.Started, report.SourcePod, obj, what, "")
		}
		for _, ct := range p.Containers {
			c.container(g, obj, p, ct)
		}
	}
}

// container: a container's runs, each with its cause.
func (c *collector) container(g int, obj string, p report.Pod, ct report.Container) {
	name := "container " + ct.Name
	if ct.Init {
		name = "init container " + ct.Name
	}
	if t := ct.LastTermination; t != nil {
		if at := firstTime(t.FinishedAt, t.StartedAt); at != nil {
			c.add(g, *at, report.SourcePod, obj, name+" terminated (the run before its restart): "+cause(t.Reason, &t.ExitCode), t.Message)
		}
	}
	switch ct.State {
	case "running":
		if ct.StartedAt != nil {
			c.add(g, *ct.StartedAt, report.SourcePod, obj, name+" started, running", "")
		}
	case "terminated":
		if ct.StartedAt != nil {
			c.add(g, *ct.StartedAt, report.SourcePod, obj, name+" started", "")
		}
		what := name + " terminated: " + cause(ct.Reason, ct.ExitCode)
		if ct.MemoryLimit != "" {
			what += ", memory limit " + ct.MemoryLimit
		}
		at := ct.FinishedAt
		if at == nil {
			// The kubelet wrote no end time: date it by the pod, and say so.
			at = firstTime(ct.StartedAt, p.Started)
			what += " (no end time recorded)"
		}
		if at != nil {
			c.add(g, *at, report.SourcePod, obj, what, ct.Message)
		}
	case "waiting":
		// A waiting state has no time of its own: it is what was read.
		if ct.Failed() {
			c.add(g, c.now, report.SourcePod, obj, name+" waiting: "+ct.Reason+" (as read)", ct.Message)
		}
	}
}

// cause is "OOMKilled, exit code 137".
func cause(reason string, code *int32) string {
	parts := []string{}
	if reason != "" {
		parts = append(parts, reason)
	}
	if code != nil {
		parts = append(parts, "exit code "+itoa(int(*code)))
	}
	if len(parts) == 0 {
		return "no reason given"
	}
	return strings.Join(parts, ", ")
}

// jobStart is when a Job's attempt began: its start, else its creation.
func jobStart(j report.Job) time.Time {
	if j.Started != nil {
		return *j.Started
	}
	return j.Created
}

func podStart(p report.Pod) time.Time {
	if p.Started != nil {
		return *p.Started
	}
	return time.Time{}
}

// events: an event of a Job or Pod goes with it; the backup's by time.
// Dated by its first occurrence; a repeated one says how often and when
// it was last seen.
func (c *collector) events() {
	for _, e := range c.r.Events.Items {
		g, ok := c.objects[e.Object]
		if !ok {
			g = byTime
		}
		at := e.LastSeen
		if e.FirstSeen != nil && !e.FirstSeen.IsZero() {
			at = *e.FirstSeen
		}
		what := strings.TrimSpace(e.Type + " " + e.Reason)
		if e.Count > 1 {
			what += fmt.Sprintf(" (x%d over %s)", e.Count, human(max(e.LastSeen.Sub(at), 0)))
		}
		c.add(g, at, report.SourceEvent, e.Object, what, e.Message)
	}
}

// podLog: the failed pod's first and last error lines, with its pod.
func (c *collector) podLog() {
	s := c.r.PodLog
	if s.Pod == "" {
		return
	}
	obj := "Pod/" + s.Pod
	g, ok := c.objects[obj]
	if !ok {
		g = byTime
	}
	line := func(l *report.LogLine, what string) {
		if l != nil && !l.At.IsZero() {
			c.add(g, l.At, report.SourcePodLog, obj, what+" (container "+s.Container+")", l.Text)
		}
	}
	line(s.FirstError, "first error line")
	if s.LastError != nil && (s.FirstError == nil || *s.LastError != *s.FirstError) {
		line(s.LastError, "last error line")
	}
}

// controller: the operator's lines about the backup, at their times.
func (c *collector) controller() {
	s := c.r.Controller
	if len(s.Times) != len(s.Lines) {
		return // a report saved without times: notes() says so
	}
	for i, l := range s.Lines {
		if !s.Times[i].IsZero() {
			c.add(byTime, s.Times[i], report.SourceController, "", "controller log line", l)
		}
	}
}

// metrics: alert transitions and the checkpoint's movement, from
// Prometheus.
func (c *collector) metrics() {
	m := c.r.Metrics
	if a := m.Alerts; a != nil {
		for _, h := range a.History {
			c.add(byTime, h.At, report.SourceAlert, "", "alert "+h.Name+" "+h.State, severity(h.Severity))
		}
		if len(a.History) == 0 {
			// No history read: the current alerts' start is all there is.
			for _, it := range a.Items {
				if it.Since != nil {
					c.add(byTime, *it.Since, report.SourceAlert, "", "alert "+it.Name+" "+it.State+" (still)", severity(it.Severity))
				}
			}
		}
	}
	if t := m.Task; t != nil {
		if t.MovedAt != nil {
			c.add(byTime, *t.MovedAt, report.SourceMetrics, "", "checkpoint last moved", "task "+t.Task)
		}
		if t.Checkpoint != nil {
			c.add(byTime, *t.Checkpoint, report.SourceMetrics, "", "checkpoint: data backed up to here (tidb_log_backup_last_checkpoint)", "task "+t.Task)
		}
	}
}

func severity(s string) string {
	if s == "" {
		return ""
	}
	return "severity " + s
}
