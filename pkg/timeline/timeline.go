// Package timeline puts everything a report holds on one time axis,
// grouped by cause: the first run, then each retry with the Jobs, Pods,
// events and log lines it produced. It reads the report only, so a saved
// report gives the same timeline as a live one.
package timeline

import (
	"slices"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Options tune the gaps a timeline reports.
type Options struct {
	// CheckpointLag: a running log backup's checkpoint further behind than
	// this is a gap (investigate's --checkpoint-lag; 0 turns it off).
	CheckpointLag time.Duration
}

// Build orders a report's dated facts into groups by cause, with the gaps
// that matter, at the default --checkpoint-lag. It reads the report only.
func Build(r *report.Report) report.Timeline {
	return BuildWith(r, Options{CheckpointLag: diagnose.DefaultCheckpointLag})
}

// BuildWith is Build with the options investigate's flags set. It never
// reads the clock: "now" is the report's GeneratedAt.
func BuildWith(r *report.Report, o Options) report.Timeline {
	tl := report.Timeline{GeneratedAt: r.GeneratedAt, Groups: []report.TimelineGroup{}, Gaps: []report.TimelineGap{}}
	b := r.Backup.Backup
	if b == nil {
		tl.Notes = []string{"backup: not read" + suffix(r.Backup.Error)}
		return tl
	}
	r = inTimeOrder(r)
	c := newCollector(r)
	c.backup()
	c.retries()
	c.conditions()
	c.workload()
	c.events()
	c.podLog()
	c.controller()
	c.metrics()
	tl.Groups = c.groups()
	c.withDate = tl.SpansDays()
	tl.Gaps = gaps(r, c, o)
	tl.Notes = notes(r, c)
	return tl
}

// item is an entry and the group it belongs to: a fixed one (a record's
// own entries, an object's) or, with group -1, the one its time falls in.
type item struct {
	report.TimelineEntry
	group int
}

// byTime marks an item placed by its time.
const byTime = -1

// collector gathers the items and knows the groups' windows.
type collector struct {
	r     *report.Report
	now   time.Time
	items []item
	// starts[i] opens group i+1 (retry record i); the first run is group 0.
	starts []time.Time
	// objects maps "Job/NAME" and "Pod/NAME" to the group of the attempt
	// that created them.
	objects map[string]int
	// withDate: the timeline spans more than one UTC day, so its clock
	// times carry dates.
	withDate bool
}

func newCollector(r *report.Report) *collector {
	c := &collector{r: r, now: r.GeneratedAt, objects: map[string]int{}}
	var last time.Time
	for _, rec := range r.Backup.Backup.Records {
		// A record opens its group when its failure was detected; one
		// without that time at its retry. Starts never go back, so a
		// record written out of order opens an empty window, not an
		// overlapping one.
		start := last
		if t := firstTime(rec.DetectFailedAt, rec.RealRetryAt, rec.ExpectedRetryAt); t != nil && t.After(last) {
			start = *t
		}
		c.starts = append(c.starts, start)
		last = start
	}
	return c
}

// groupAt is the group whose window holds t: the newest that began at or
// before it.
func (c *collector) groupAt(t time.Time) int {
	g := 0
	for i, s := range c.starts {
		if !s.IsZero() && !t.Before(s) {
			g = i + 1
		}
	}
	return g
}

func (c *collector) add(group int, at time.Time, source, object, what, detail string) {
	c.items = append(c.items, item{group: group, TimelineEntry: report.TimelineEntry{At: at, Source: source, Object: object, What: what, Detail: detail}})
}

// sourceRank orders entries of the same time: the record before what it
// caused, the object before its log, the cluster's view before Prometheus'.
func sourceRank(s string) int {
	order := []string{report.SourceRetry, report.SourceBackup, report.SourceCondition, report.SourceJob, report.SourcePod,
		report.SourcePodLog, report.SourceEvent, report.SourceController, report.SourceAlert, report.SourceMetrics}
	if i := slices.Index(order, s); i >= 0 {
		return i
	}
	return len(order)
}

// groups sorts the items into their groups, each in time order (equal
// times by source, then in the order they were added). The first run is
// left out when nothing is dated before the first failure; a retry's group
// always has its record's entries.
func (c *collector) groups() []report.TimelineGroup {
	b := c.r.Backup.Backup
	out := make([]report.TimelineGroup, len(c.starts)+1)
	out[0] = report.TimelineGroup{Title: "first run", Entries: []report.TimelineEntry{}}
	for i, rec := range b.Records {
		out[i+1] = report.TimelineGroup{Title: retryTitle(c.r, i), Retry: rec.RetryNum, From: c.starts[i], Entries: []report.TimelineEntry{}}
	}
	items := slices.Clone(c.items)
	slices.SortStableFunc(items, func(x, y item) int {
		if d := x.At.Compare(y.At); d != 0 {
			return d
		}
		return sourceRank(x.Source) - sourceRank(y.Source)
	})
	for _, it := range items {
		g := it.group
		if g == byTime {
			g = c.groupAt(it.At)
		}
		out[g].Entries = append(out[g].Entries, it.TimelineEntry)
	}
	if len(out[0].Entries) == 0 && len(out) > 1 {
		out = out[1:]
	}
	return out
}

// retryTitle is "retry #N", with what became of a retry that did not run.
func retryTitle(r *report.Report, i int) string {
	b := r.Backup.Backup
	rec := b.Records[i]
	if rec.RetryNum <= 0 && firstTime(rec.DetectFailedAt, rec.RealRetryAt, rec.ExpectedRetryAt) == nil {
		// Nothing of it could be read (not an object, wrong types): the
		// backup's invalid fields say what it holds.
		return "retry record " + itoa(i+1) + " (could not be read: see the backup's invalid fields)"
	}
	title := "retry #" + itoa(rec.RetryNum)
	switch {
	case rec.RealRetryAt != nil:
	case r.Backup.Retry != nil && r.Backup.Retry.Pending != nil && sameRecord(*r.Backup.Retry.Pending, rec):
		title += " (pending)"
	case b.Phase == "Failed":
		title += " (not run: the backup failed)"
	default:
		title += " (not run)"
	}
	return title
}

func firstTime(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() {
			return t
		}
	}
	return nil
}

func suffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// inTimeOrder is the report with its retry records in time order: a status
// edited or restored by hand may hold them in any order, and each record
// opens its group when it happened. A record with no time keeps its place
// after the one before it. The report itself is not changed.
func inTimeOrder(r *report.Report) *report.Report {
	recs := r.Backup.Backup.Records
	keys := make([]time.Time, len(recs))
	var last time.Time
	for i, rec := range recs {
		if t := firstTime(rec.DetectFailedAt, rec.RealRetryAt, rec.ExpectedRetryAt); t != nil {
			last = *t
		}
		keys[i] = last
	}
	order := make([]int, len(recs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return keys[a].Compare(keys[b]) })
	if slices.IsSorted(order) {
		return r
	}
	sorted := make([]backup.RetryRecord, len(recs))
	for i, j := range order {
		sorted[i] = recs[j]
	}
	b := *r.Backup.Backup
	b.Records = sorted
	out := *r
	out.Backup.Backup = &b
	return &out
}

// sameRecord: the two are the same retry record.
func sameRecord(a, b backup.RetryRecord) bool {
	return a.RetryNum == b.RetryNum && a.RetryReason == b.RetryReason && timeEq(a.DetectFailedAt, b.DetectFailedAt) &&
		timeEq(a.ExpectedRetryAt, b.ExpectedRetryAt) && timeEq(a.RealRetryAt, b.RealRetryAt)
}

func timeEq(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
