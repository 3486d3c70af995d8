package promapi

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Target is the backup whose figures are asked for.
type Target struct {
	Namespace, Name string
	// Log: a log backup, whose task (named after the backup) is looked up
	// in the TiKV and TiDB metrics.
	Log bool
	// Cluster and ClusterNamespace (spec.br) tell this TiDB cluster's
	// series from another's when two run a task of the same name.
	Cluster, ClusterNamespace string
	// TaskLabels (--task-labels) choose the cluster's series instead.
	TaskLabels Matchers
	// History: also read the alerts' transitions and the checkpoint's last
	// movement over report.HistoryWindow (for a timeline; history.go).
	History bool
}

// Figures gathers the metrics section of one backup at time now. The
// retry figures and alerts, and the task's chain (its state, then what
// depends on the state's series), run side by side: a query that hangs
// in one holds back nothing in the other.
func (c *Client) Figures(ctx context.Context, t Target, now time.Time) report.MetricsSection {
	sec := report.MetricsSection{Prometheus: c.Where}
	sel := Matchers{{"namespace", t.Namespace}, {"backup", t.Name}}
	queries := retryQueries(sel)
	alertSels := []Matchers{sel}
	if t.Log {
		// The task rules group by namespace and task: this cluster's
		// namespace, or none (a Prometheus whose TiKV series have none).
		alertSels = append(alertSels, Matchers{{"task", t.Name}, {"namespace", t.clusterNS()}}, Matchers{{"task", t.Name}, {"namespace", ""}})
	}
	var alerts, forState []string
	for _, m := range alertSels {
		alerts = append(alerts, m.Selector("ALERTS"))
		forState = append(forState, m.Selector("ALERTS_FOR_STATE"))
	}
	queries["alerts"] = strings.Join(alerts, " or ")
	queries["alerts.since"] = strings.Join(forState, " or ")
	var wg sync.WaitGroup
	if t.Log {
		wg.Go(func() { sec.Task = c.taskFigures(ctx, t, now) })
	}
	// A range selector cannot follow "or": one history query per selector.
	hb := newBatch(c, now)
	var history []string
	if t.History {
		hq := map[string]string{}
		for i, a := range alerts {
			name := fmt.Sprintf("history.%d", i)
			hq[name] = a + historyRange()
			history = append(history, name)
		}
		wg.Go(func() { hb.runMatrix(ctx, hq) })
	}
	b := newBatch(c, now)
	b.run(ctx, queries)
	sec.Retries = retryFigures(b, c)
	sec.Alerts = alertsPart(b, c, now)
	wg.Wait()
	if t.History {
		alertHistory(sec.Alerts, hb, history, c, now)
	}
	return sec
}

func retryQueries(sel Matchers) map[string]string {
	inc := func(metric string, extra ...Matcher) string {
		return "sum(increase(" + sel.With(extra...).Selector(metric) + "[1h]))"
	}
	quantile := func(q string) string {
		return "histogram_quantile(" + q + ", sum by (le) (increase(" + sel.Selector(mDuration) + "[1h])))"
	}
	return map[string]string{
		"current":   "max(" + sel.Selector(mCurrent) + ")",
		"rate":      "sum(rate(" + sel.Selector(mTotal) + "[5m])) * 3600",
		"results":   inc(mResult),
		"successes": inc(mResult, Matcher{"result", "success"}),
		"exhausted": inc(mExhausted),
		"timeouts":  inc(mTimeout),
		"p50":       quantile("0.5"),
		"p90":       quantile("0.9"),
		"exporter":  "count(" + mCurrent + ") or count(" + mReady + ")",
	}
}

func retryFigures(b *batch, c *Client) *report.RetryFigures {
	r := &report.RetryFigures{}
	// Whether there are series at all decides the note; without an
	// answer to that, nothing else can be said.
	if err := b.firstErr("current", "exporter"); err != nil {
		r.Error = c.Reason(err)
		return r
	}
	if len(b.vec["current"]) == 0 {
		if len(b.vec["exporter"]) == 0 {
			r.Note = "not exported: is the logbackup exporter running? (kubectl logbackup exporter manifests)"
		} else {
			r.Note = "the exporter has no series for this backup: is it watching its namespace?"
		}
		return r
	}
	for _, name := range []string{"rate", "results", "successes", "exhausted", "timeouts", "p50", "p90"} {
		if err := b.err[name]; err != nil {
			r.Unread = append(r.Unread, name+": "+c.Reason(err))
		}
	}
	r.Current = b.countOf("current")
	r.RatePerHour = b.countOf("rate")
	r.Results = b.countOf("results")
	r.Exhausted = b.countOf("exhausted")
	r.Timeouts = b.countOf("timeouts")
	if s, n := b.countOf("successes"), r.Results; s != nil && n != nil && *n > 0 {
		r.SuccessRatio = ratio(min(*s / *n, 1))
	}
	if f, ok := b.scalar("p50"); ok {
		r.P50 = duration(f)
	}
	if f, ok := b.scalar("p90"); ok {
		r.P90 = duration(f)
	}
	return r
}

// alertsPart reads ALERTS (name, state, severity) and ALERTS_FOR_STATE
// (its value is when the alert became active; a "since" that cannot be
// read is left out).
func alertsPart(b *batch, c *Client, now time.Time) *report.AlertsPart {
	p := &report.AlertsPart{Items: []report.Alert{}}
	if err := b.firstErr("alerts"); err != nil {
		p.Error = c.Reason(err)
		return p
	}
	since := map[string]*time.Time{}
	for _, s := range b.vec["alerts.since"] {
		since[string(s.Metric[model.AlertNameLabel])] = unixTime(float64(s.Value), now)
	}
	seen := map[string]bool{}
	for _, s := range b.vec["alerts"] {
		a := report.Alert{
			Name:     string(s.Metric[model.AlertNameLabel]),
			State:    string(s.Metric["alertstate"]),
			Severity: string(s.Metric["severity"]),
			Since:    since[string(s.Metric[model.AlertNameLabel])],
		}
		if key := a.Name + "\x00" + a.State; seen[key] {
			continue
		} else {
			seen[key] = true
		}
		p.Items = append(p.Items, a)
	}
	sort.Slice(p.Items, func(i, j int) bool {
		a, b := p.Items[i], p.Items[j]
		if a.State != b.State {
			return a.State == "firing"
		}
		return a.Name < b.Name
	})
	return p
}

func (c *Client) taskFigures(ctx context.Context, t Target, now time.Time) *report.TaskFigures {
	tf := &report.TaskFigures{Task: t.Name}
	b := newBatch(c, now)
	b.run(ctx, map[string]string{
		"task.status": t.TaskLabels.With(Matcher{"task", t.Name}).Selector(mTaskStatus),
		"task.tikv":   "count(" + mEnabled + ") or count(" + mTaskStatus + ")",
	})
	if err := b.firstErr("task.status", "task.tikv"); err != nil {
		tf.Error = c.Reason(err)
		return tf
	}
	series := b.vec["task.status"]
	if len(series) == 0 {
		if len(b.vec["task.tikv"]) == 0 {
			tf.Note = "no TiKV log backup metrics: is Prometheus scraping TiKV?"
		} else {
			tf.Absent = true
			tf.Note = fmt.Sprintf("TiKV reports no task %q: it is not running on any store (stopped, never started, or lost)", t.Name)
		}
		return tf
	}
	scope, series, err := chooseCluster(series, t)
	switch {
	case errors.Is(err, errOtherCluster):
		tf.Absent = true
		tf.Note = err.Error()
		return tf
	case err != nil:
		tf.Error = err.Error()
		return tf
	}
	if len(t.TaskLabels) > 0 {
		scope = t.TaskLabels
	}
	tf.Scope = scope.String()
	tf.Stores, tf.State = storeStates(series)

	sel := scope.With(Matcher{"task", t.Name})
	on := "on (" + strings.Join(joinLabels(series), ", ") + ")"
	onTask := " and " + on + " " + sel.Selector(mTaskStatus)
	cp := sel.Selector(mCheckpoint)
	var wg sync.WaitGroup
	hb := newBatch(c, now)
	if t.History {
		wg.Go(func() { hb.runMatrix(ctx, map[string]string{"history": cp + historyRange()}) })
	}
	b2 := newBatch(c, now)
	b2.run(ctx, map[string]string{
		"checkpoint": "max(" + cp + ")",
		"moved":      "max(" + cp + ") - max(" + cp + " offset 15m)",
		"errors":     "sum by (type) (increase(" + mErrors + "[1h])" + onTask + ")",
		"fatal":      "sum by (type) (increase(" + mFatal + "[1h])" + onTask + ")",
		"safepoint":  "max(" + mSafePoint + onTask + ")",
	})
	// The state is read: a figure that fails is said, and spoils no other.
	for _, name := range []string{"checkpoint", "moved", "errors", "fatal", "safepoint"} {
		if err := b2.err[name]; err != nil {
			tf.Unread = append(tf.Unread, name+": "+c.Reason(err))
		}
	}
	if f, ok := b2.scalar("checkpoint"); ok {
		if at := tsoTime(f, now); at != nil {
			lag := backup.Duration(max(now.Sub(*at), 0).Round(time.Second))
			tf.Checkpoint, tf.Lag = at, &lag
		} else {
			tf.Unread = append(tf.Unread, fmt.Sprintf("checkpoint: %g is not a TSO of a time up to a day from now", f))
		}
	} else if b2.err["checkpoint"] == nil {
		tf.Note = fmt.Sprintf("TiDB reports no checkpoint for task %q: is Prometheus scraping TiDB? (only the TiDB that runs the log backup advancer exports it)", t.Name)
	}
	if f, ok := b2.scalar("moved"); ok {
		tf.Advanced = tsoSeconds(f)
	}
	if f, ok := b2.scalar("safepoint"); ok {
		if at := tsoTime(f, now); at != nil {
			tf.GCSafePoint = at
		} else {
			tf.Unread = append(tf.Unread, fmt.Sprintf("GC safe point: %g is not a TSO of a time up to a day from now", f))
		}
	}
	tf.Errors = byType(b2.vec["errors"])
	tf.FatalErrors = byType(b2.vec["fatal"])
	wg.Wait()
	if t.History {
		checkpointHistory(tf, hb, c, now)
	}
	return tf
}

func byType(v model.Vector) map[string]float64 {
	out := map[string]float64{}
	for _, s := range v {
		f := float64(s.Value)
		if f > 0 && f < 1e15 {
			out[string(s.Metric["type"])] += f
		}
	}
	return out
}

// storeStates reads each store's state; the task's is the worst known
// one (error > paused > running). A value other than 0, 1 or 2 is
// "unknown" for its store and hides no known bad state.
func storeStates(series model.Vector) ([]report.StoreState, string) {
	var out []report.StoreState
	for _, s := range series {
		out = append(out, report.StoreState{Instance: string(s.Metric[model.InstanceLabel]), State: taskState(float64(s.Value))})
	}
	return sortedStores(out)
}

// sortedStores orders the stores by instance and gives the task's state:
// the worst known one (error > paused > unknown > running).
func sortedStores(ss []report.StoreState) ([]report.StoreState, string) {
	rank := map[string]int{"running": 1, "unknown": 2, "paused": 3, "error": 4}
	sort.Slice(ss, func(i, j int) bool { return ss[i].Instance < ss[j].Instance })
	worst := ""
	for _, s := range ss {
		if rank[s.State] > rank[worst] {
			worst = s.State
		}
	}
	return ss, worst
}
