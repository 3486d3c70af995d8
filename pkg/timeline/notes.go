package timeline

import (
	"fmt"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// notes say what the timeline could not include, source by source, in a
// fixed order.
func notes(r *report.Report, c *collector) []string {
	var out []string
	add := func(prefix, s string) {
		if s != "" {
			out = append(out, prefix+": "+s)
		}
	}
	if r.Interrupted {
		out = append(out, "interrupted: the report is partial, so is its timeline")
	}
	b := r.Backup.Backup
	if len(b.Records) > 0 && b.Records[0].DetectFailedAt != nil && b.Created.After(*b.Records[0].DetectFailedAt) {
		out = append(out, fmt.Sprintf("backup: created %s, after the first failure it records: the object was re-created with its status (restored or re-applied), so its creation is not when it began",
			b.Created.UTC().Format("2006-01-02 15:04:05")))
	}
	add("events", r.Events.Error)
	add("events", r.Events.Note)
	add("jobs and pods", r.Workload.Error)
	// Each retry that ran started an attempt of its own; a pending one
	// has not yet.
	attempts := 1
	for _, rec := range b.Records {
		if rec.RealRetryAt != nil {
			attempts++
		}
	}
	if len(b.Records) > 0 && r.Workload.Error == "" && len(r.Workload.Jobs) < attempts {
		which := fmt.Sprintf("%d of %d attempts", attempts-len(r.Workload.Jobs), attempts)
		if attempts == 1 {
			which = "the first run"
		}
		out = append(out, "jobs and pods: "+which+" left no Job: a retry deletes the failed Job and its Pod, so an earlier attempt shows only its records, events and log lines")
	}
	if r.PodLog.Pod == "" {
		add("pod log", r.PodLog.Note)
	}
	add("pod log", r.PodLog.Error)
	add("pod log", r.PodLog.ErrorsNote)
	add("controller", r.Controller.Error)
	if s := r.Controller; len(s.Times) != len(s.Lines) {
		out = append(out, "controller: the lines carry no times (a report saved by an older version): left out")
	}
	if s := r.Controller; s.Matched > len(s.Lines) {
		out = append(out, fmt.Sprintf("controller: %d of %d lines about the backup shown, the newest (--controller-tail)", len(s.Lines), s.Matched))
	}
	if r.Controller.Truncated {
		out = append(out, "controller: a log reached --limit-bytes, so older lines were not read")
	}
	m := r.Metrics
	switch {
	case m.Skipped != "":
		out = append(out, "Prometheus: "+m.Skipped+": no alert transitions nor checkpoint movement")
	case m.Error != "":
		out = append(out, "Prometheus: "+m.Error)
	}
	if a := m.Alerts; a != nil {
		add("alerts", a.Error)
		if a.Error == "" && len(a.History) == 0 && len(a.Items) > 0 {
			out = append(out, "alerts: no history read: the current alerts are shown from when they began")
		}
	}
	if t := m.Task; t != nil {
		add("log backup task", t.Error)
	}
	return out
}
