package timeline

import (
	"fmt"
	"slices"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// detectAfter is how long a failure may go unrecorded before the silence
// is a gap: v1 checks on each informer resync (30 s by default), so a
// record lands up to 30 s after its Job failed; two minutes is trouble
// (a controller down, stuck, or not watching this namespace).
const detectAfter = 2 * time.Minute

// gaps are the delays that matter, oldest due first.
func gaps(r *report.Report, c *collector, o Options) []report.TimelineGap {
	out := []report.TimelineGap{}
	b := r.Backup.Backup
	for _, rec := range b.Records {
		if rec.ExpectedRetryAt != nil && rec.RealRetryAt != nil {
			if late := rec.RealRetryAt.Sub(*rec.ExpectedRetryAt); late > lateAfter {
				at := *rec.RealRetryAt
				out = append(out, report.TimelineGap{
					What: fmt.Sprintf("retry #%d due %s, started %s: %s late", rec.RetryNum, clock(*rec.ExpectedRetryAt, c.withDate), clock(at, c.withDate), human(late)),
					Due:  *rec.ExpectedRetryAt, At: &at, Late: backup.Duration(late),
				})
			}
		}
	}
	if s := r.Backup.Retry; s != nil && s.Pending != nil && s.Pending.ExpectedRetryAt != nil {
		due := *s.Pending.ExpectedRetryAt
		if late := c.now.Sub(due); late > lateAfter {
			out = append(out, report.TimelineGap{
				What: fmt.Sprintf("retry #%d due %s, not started after %s", s.Pending.RetryNum, clock(due, c.withDate), human(late)),
				Due:  due, Late: backup.Duration(late), Pending: true,
			})
		}
	}
	out = append(out, detectionGaps(r, c)...)
	if g := checkpointGap(r, c, o); g != nil {
		out = append(out, *g)
	}
	slices.SortStableFunc(out, func(x, y report.TimelineGap) int { return x.Due.Compare(y.Due) })
	return out
}

// failure is a moment something of the backup's failed.
type failure struct {
	at   time.Time
	what string
}

// failures are the Jobs' Failed transitions and the failed containers'
// ends the report holds.
func failures(r *report.Report) []failure {
	var out []failure
	for _, j := range r.Workload.Jobs {
		for _, t := range j.Transitions {
			if t.Type == "Failed" && t.Status == "True" && !t.At.IsZero() {
				out = append(out, failure{t.At, "Job " + j.Name + " failed"})
			}
		}
	}
	for _, p := range r.Workload.Pods {
		for _, ct := range p.Containers {
			if ct.State == "terminated" && ct.Failed() && ct.FinishedAt != nil {
				out = append(out, failure{*ct.FinishedAt, "pod " + p.Name + " container " + ct.Name + " ended (" + cause(ct.Reason, ct.ExitCode) + ")"})
			}
		}
	}
	return out
}

// detectionGaps: a failure the operator recorded late. Each record is
// matched with the newest failure between the previous record's start
// and its own detection.
func detectionGaps(r *report.Report, c *collector) []report.TimelineGap {
	var out []report.TimelineGap
	fs := failures(r)
	for i, rec := range r.Backup.Backup.Records {
		if rec.DetectFailedAt == nil {
			continue
		}
		var from time.Time
		if i > 0 {
			from = c.starts[i-1]
		}
		var last *failure
		for k := range fs {
			f := &fs[k]
			if !f.at.Before(from) && !f.at.After(*rec.DetectFailedAt) && (last == nil || f.at.After(last.at)) {
				last = f
			}
		}
		if last == nil {
			continue
		}
		if late := rec.DetectFailedAt.Sub(last.at); late > detectAfter {
			at := *rec.DetectFailedAt
			out = append(out, report.TimelineGap{
				What: fmt.Sprintf("%s at %s, recorded as retry #%d at %s: %s later", last.what, clock(last.at, c.withDate), rec.RetryNum, clock(at, c.withDate), human(late)),
				Due:  last.at, At: &at, Late: backup.Duration(late),
			})
		}
	}
	return out
}

// checkpointGap: a running log backup whose checkpoint is further behind
// than --checkpoint-lag (the diagnosis' own test), due when it crossed it.
func checkpointGap(r *report.Report, c *collector, o Options) *report.TimelineGap {
	if !diagnose.CheckpointLagging(r, diagnose.Options{CheckpointLag: o.CheckpointLag}) {
		return nil
	}
	cp := r.Backup.Checkpoint
	due := cp.Time.Add(o.CheckpointLag)
	what := fmt.Sprintf("checkpoint stuck at %s: %s behind, %s past --checkpoint-lag %s", clock(cp.Time, c.withDate),
		human(time.Duration(cp.Lag)), human(c.now.Sub(due)), o.CheckpointLag)
	if t := r.Metrics.Task; t != nil && t.MovedAt != nil {
		what += fmt.Sprintf("; last moved %s", clock(*t.MovedAt, c.withDate))
	}
	return &report.TimelineGap{What: what, Due: due, Late: backup.Duration(max(c.now.Sub(due), 0)), Pending: true}
}
