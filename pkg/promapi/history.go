package promapi

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// History (Target.History, for a timeline) is read as raw samples: a range
// selector in an instant query (ALERTS{...}[6h]) gives each series' own
// sample times, so a transition is dated to the evaluation that made it,
// not to a query_range step, and a pending spell shorter than a step is
// not lost. Each answer stays within the backup's bound (1 MiB): 6 hours
// of a 30s rule or scrape interval is 720 samples, about 20 KiB a series.

// maxTransitions bounds the alert history kept (the newest are).
const maxTransitions = 200

// Bounds of the evaluation (or scrape) interval read from the samples'
// spacing; without two samples in a series, defaultInterval.
const (
	minInterval     = time.Second
	maxInterval     = 10 * time.Minute
	defaultInterval = time.Minute
)

// historyRange is the range selector's duration ("6h").
func historyRange() string { return "[" + model.Duration(report.HistoryWindow).String() + "]" }

// alertHistory fills p.History from the ALERTS samples of the named
// answers. A failed answer is one line of p.Unread; the alerts now (Items)
// are kept as they are.
func alertHistory(p *report.AlertsPart, hb *batch, names []string, c *Client, now time.Time) {
	if err := hb.firstErr(names...); err != nil {
		p.Unread = append(p.Unread, "history: "+c.Reason(err))
		return
	}
	// The selectors overlap (a series with both backup and task labels):
	// each series counts once.
	seen := map[model.Fingerprint]bool{}
	var series model.Matrix
	for _, n := range names {
		for _, s := range hb.mat[n] {
			if fp := s.Metric.Fingerprint(); !seen[fp] {
				seen[fp] = true
				series = append(series, s)
			}
		}
	}
	// What is active now tells a run that ended from one still going,
	// whatever the evaluation's lag; without it, the samples' age does.
	var active map[string]bool
	if p.Error == "" {
		active = map[string]bool{}
		for _, a := range p.Items {
			active[a.Name+"\x00"+a.State] = true
		}
	}
	h := alertTransitions(series, active, now)
	if n := len(h) - maxTransitions; n > 0 {
		h = h[n:]
		p.Unread = append(p.Unread, fmt.Sprintf("history: %d older transitions left out (at most %d are kept)", n, maxTransitions))
	}
	p.History = h
}

// span is a run of samples with no gap longer than two intervals.
type span struct{ first, last time.Time }

// alertTransitions derives each alert's transitions from its ALERTS
// samples, per (alertname, alertstate), oldest first:
//   - a run of samples starts a "pending" or "firing" entry at its first
//     sample, unless it was already under way when the window began (its
//     start is then unknown: Items[].Since has an active alert's);
//   - a run ends at a gap longer than two intervals (one missed evaluation
//     is not a resolution), or when the alert is no longer active now
//     (active: nil when unknown; then when its last sample is older than
//     two intervals and a minute of lag); it is "resolved" at the
//     evaluation after its last sample;
//   - a pending run followed by the same alert's firing is not resolved.
//
// Samples dated outside the window (a wrong clock, an absurd value) are
// left out.
func alertTransitions(series model.Matrix, active map[string]bool, now time.Time) []report.AlertTransition {
	start := now.Add(-report.HistoryWindow)
	type key struct{ name, state string }
	times := map[key][]time.Time{}
	severity := map[key]string{}
	var perSeries [][]time.Time
	var newest time.Time
	for _, s := range series {
		k := key{string(s.Metric[model.AlertNameLabel]), string(s.Metric["alertstate"])}
		if k.state != "pending" && k.state != "firing" {
			continue
		}
		ts := sampleTimes(s.Values, start, now)
		if len(ts) == 0 {
			continue
		}
		perSeries = append(perSeries, ts)
		times[k] = append(times[k], ts...)
		if severity[k] == "" {
			severity[k] = string(s.Metric["severity"])
		}
		if l := ts[len(ts)-1]; l.After(newest) {
			newest = l
		}
	}
	step := interval(perSeries)
	ended := func(k key, last time.Time) bool {
		if newest.Sub(last) > 2*step {
			return true
		}
		if active != nil {
			return !active[k.name+"\x00"+k.state]
		}
		return now.Sub(last) > 2*step+time.Minute
	}
	resolvedAt := func(last time.Time) time.Time {
		if at := last.Add(step); at.Before(now) {
			return at
		}
		return now
	}
	var out []report.AlertTransition
	for k, ts := range times {
		var firing []span
		if k.state == "pending" {
			firing = runs(times[key{k.name, "firing"}], step)
		}
		for _, r := range runs(ts, step) {
			if r.first.Sub(start) > 2*step {
				out = append(out, report.AlertTransition{Name: k.name, State: k.state, Severity: severity[k], At: r.first})
			}
			if !ended(k, r.last) || becameFiring(r, firing, step) {
				continue
			}
			out = append(out, report.AlertTransition{Name: k.name, State: "resolved", Severity: severity[k], At: resolvedAt(r.last)})
		}
	}
	order := map[string]int{"pending": 0, "firing": 1, "resolved": 2}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return order[a.State] < order[b.State]
	})
	// A pending series and a firing one of the same alert name (two
	// label sets) ending together would say "resolved" twice.
	return slices.CompactFunc(out, func(a, b report.AlertTransition) bool { return a == b })
}

// becameFiring: the pending run r is followed, within two intervals, by a
// firing run of the same alert.
func becameFiring(r span, firing []span, step time.Duration) bool {
	for _, f := range firing {
		if d := f.first.Sub(r.last); d > 0 && d <= 2*step {
			return true
		}
	}
	return false
}

// runs splits sorted times at every gap longer than two intervals;
// repeated times (two series of one alert) are one.
func runs(ts []time.Time, step time.Duration) []span {
	if len(ts) == 0 {
		return nil
	}
	sorted := slices.SortedFunc(slices.Values(ts), func(a, b time.Time) int { return a.Compare(b) })
	out := []span{{sorted[0], sorted[0]}}
	for _, t := range sorted[1:] {
		cur := &out[len(out)-1]
		if t.Sub(cur.last) > 2*step {
			out = append(out, span{t, t})
		} else {
			cur.last = t
		}
	}
	return out
}

// sampleTimes are a series' sample times within [start, now], sorted.
func sampleTimes(vals []model.SamplePair, start, now time.Time) []time.Time {
	var out []time.Time
	for _, v := range vals {
		if t := v.Timestamp.Time().UTC(); !t.Before(start) && !t.After(now) {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// interval is the evaluation (or scrape) interval: the median spacing of
// consecutive samples within each series, bounded.
func interval(series [][]time.Time) time.Duration {
	var gaps []time.Duration
	for _, ts := range series {
		for i := 1; i < len(ts); i++ {
			if d := ts[i].Sub(ts[i-1]); d > 0 {
				gaps = append(gaps, d)
			}
		}
	}
	if len(gaps) == 0 {
		return defaultInterval
	}
	slices.Sort(gaps)
	return min(max(gaps[len(gaps)/2], minInterval), maxInterval)
}

// checkpointMoved reads the checkpoint's raw samples over the window:
// when it last changed (the first sample of each series' final run of
// equal values; the latest of the series', as a TiDB that is no longer the
// advancer keeps an old value that never moves), or nil when no series
// changed. oldest is the oldest sample read (nil: none). A sample whose
// value is not a TSO of a sensible time, or dated outside the window, is
// left out.
func checkpointMoved(series model.Matrix, now time.Time) (moved, oldest *time.Time) {
	start := now.Add(-report.HistoryWindow)
	for _, s := range series {
		type point struct {
			at time.Time
			v  model.SampleValue
		}
		var pts []point
		for _, v := range s.Values {
			at := v.Timestamp.Time().UTC()
			if at.Before(start) || at.After(now) || tsoTime(float64(v.Value), now) == nil {
				continue
			}
			pts = append(pts, point{at, v.Value})
		}
		if len(pts) == 0 {
			continue
		}
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].at.Before(pts[j].at) })
		if oldest == nil || pts[0].at.Before(*oldest) {
			oldest = &pts[0].at
		}
		k := len(pts) - 1
		for k > 0 && pts[k-1].v == pts[k].v {
			k--
		}
		if k > 0 && (moved == nil || pts[k].at.After(*moved)) {
			moved = &pts[k].at
		}
	}
	return moved, oldest
}

// checkpointHistory fills tf.MovedAt from the checkpoint's samples over
// the window; a checkpoint that did not move in it is said in the note
// (unless the note already says there is none).
func checkpointHistory(tf *report.TaskFigures, hb *batch, c *Client, now time.Time) {
	if err := hb.err["history"]; err != nil {
		tf.Unread = append(tf.Unread, "history: "+c.Reason(err))
		return
	}
	moved, oldest := checkpointMoved(hb.mat["history"], now)
	tf.MovedAt = moved
	if moved == nil && oldest != nil && tf.Note == "" {
		tf.Note = fmt.Sprintf("the checkpoint did not move in the last %s (its samples since %s)",
			model.Duration(report.HistoryWindow), oldest.Format(time.RFC3339))
	}
}
