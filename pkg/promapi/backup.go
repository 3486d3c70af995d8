package promapi

import (
	"context"
	"fmt"
	"sort"
	"strings"
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
}

// Figures gathers the metrics section of one backup at time now.
func (c *Client) Figures(ctx context.Context, t Target, now time.Time) report.MetricsSection {
	sec := report.MetricsSection{Prometheus: c.Where}
	b := newBatch(c, now)
	sel := Matchers{{"namespace", t.Namespace}, {"backup", t.Name}}
	queries := retryQueries(sel)
	alerts := sel.Selector("ALERTS")
	forState := sel.Selector("ALERTS_FOR_STATE")
	if t.Log {
		// The task rules group by namespace and task: this cluster's
		// namespace, or none (a Prometheus whose TiKV series have none).
		for _, task := range []Matchers{{{"task", t.Name}, {"namespace", t.clusterNS()}}, {{"task", t.Name}, {"namespace", ""}}} {
			alerts += " or " + task.Selector("ALERTS")
			forState += " or " + task.Selector("ALERTS_FOR_STATE")
		}
		queries["task.status"] = t.TaskLabels.With(Matcher{"task", t.Name}).Selector(mTaskStatus)
		queries["task.tikv"] = "count(" + mEnabled + ") or count(" + mTaskStatus + ")"
	}
	queries["alerts"] = alerts
	queries["alerts.since"] = forState
	b.run(ctx, queries)

	sec.Retries = retryFigures(b, c)
	sec.Alerts = alertsPart(b, c)
	if t.Log {
		sec.Task = c.taskFigures(ctx, b, t, now)
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

var retryNames = []string{"current", "rate", "results", "successes", "exhausted", "timeouts", "p50", "p90", "exporter"}

func retryFigures(b *batch, c *Client) *report.RetryFigures {
	r := &report.RetryFigures{}
	if err := b.firstErr(retryNames...); err != nil {
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
	r.Current = b.scalar("current")
	r.RatePerHour = b.scalar("rate")
	r.Results = b.scalar("results")
	r.Exhausted = b.scalar("exhausted")
	r.Timeouts = b.scalar("timeouts")
	if s, n := b.scalar("successes"), r.Results; s != nil && n != nil && *n > 0 {
		ratio := min(*s / *n, 1)
		r.SuccessRatio = &ratio
	}
	r.P50 = seconds(b.scalar("p50"))
	r.P90 = seconds(b.scalar("p90"))
	return r
}

func seconds(f *float64) *backup.Duration {
	if f == nil || *f < 0 {
		return nil
	}
	d := backup.Duration(time.Duration(*f * float64(time.Second)).Round(time.Second))
	return &d
}

// alertsPart reads ALERTS (name, state, severity) and ALERTS_FOR_STATE
// (its value is when the alert became active).
func alertsPart(b *batch, c *Client) *report.AlertsPart {
	p := &report.AlertsPart{Items: []report.Alert{}}
	if err := b.firstErr("alerts"); err != nil {
		p.Error = c.Reason(err)
		return p
	}
	since := map[string]time.Time{}
	for _, s := range b.vec["alerts.since"] {
		since[string(s.Metric[model.AlertNameLabel])] = time.Unix(int64(s.Value), 0).UTC()
	}
	seen := map[string]bool{}
	for _, s := range b.vec["alerts"] {
		a := report.Alert{
			Name:     string(s.Metric[model.AlertNameLabel]),
			State:    string(s.Metric["alertstate"]),
			Severity: string(s.Metric["severity"]),
		}
		if key := a.Name + "\x00" + a.State; seen[key] {
			continue
		} else {
			seen[key] = true
		}
		if t, ok := since[a.Name]; ok && !t.IsZero() {
			a.Since = &t
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

func (c *Client) taskFigures(ctx context.Context, b *batch, t Target, now time.Time) *report.TaskFigures {
	tf := &report.TaskFigures{Task: t.Name}
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
	if err != nil {
		tf.Error = err.Error()
		return tf
	}
	if len(scope) > 0 && len(t.TaskLabels) == 0 {
		tf.Scope = scope.String()
	} else if len(t.TaskLabels) > 0 {
		tf.Scope = t.TaskLabels.String()
		scope = t.TaskLabels
	}
	tf.Stores, tf.State = storeStates(series)

	sel := scope.With(Matcher{"task", t.Name})
	on := "on (" + strings.Join(joinLabels(series), ", ") + ")"
	onTask := " and " + on + " " + sel.Selector(mTaskStatus)
	cp := sel.Selector(mCheckpoint)
	b2 := newBatch(c, now)
	b2.run(ctx, map[string]string{
		"checkpoint": "max(" + cp + ")",
		"moved":      "max(" + cp + ") - max(" + cp + " offset 15m)",
		"errors":     "sum by (type) (increase(" + mErrors + "[1h])" + onTask + ")",
		"fatal":      "sum by (type) (increase(" + mFatal + "[1h])" + onTask + ")",
		"safepoint":  "max(" + mSafePoint + onTask + ")",
	})
	if err := b2.firstErr("checkpoint", "moved", "errors", "fatal", "safepoint"); err != nil {
		tf.Error = c.Reason(err)
		return tf
	}
	if v := b2.scalar("checkpoint"); v != nil && *v > 0 {
		at := tsoTime(*v)
		lag := backup.Duration(max(now.Sub(at), 0).Round(time.Second))
		tf.Checkpoint, tf.Lag = &at, &lag
	} else {
		tf.Note = fmt.Sprintf("TiDB reports no checkpoint for task %q: is Prometheus scraping TiDB? (only the TiDB that runs the log backup advancer exports it)", t.Name)
	}
	if v := b2.scalar("moved"); v != nil {
		d := backup.Duration(time.Duration(*v / tsoPerSecond * float64(time.Second)).Round(time.Second))
		tf.Advanced = &d
	}
	if v := b2.scalar("safepoint"); v != nil && *v > 0 {
		at := tsoTime(*v)
		tf.GCSafePoint = &at
	}
	tf.Errors = byType(b2.vec["errors"])
	tf.FatalErrors = byType(b2.vec["fatal"])
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

// storeStates reads each store's state; the task's is the worst.
func storeStates(series model.Vector) ([]report.StoreState, string) {
	worst := -1
	var out []report.StoreState
	for _, s := range series {
		code := int(s.Value)
		out = append(out, report.StoreState{Instance: string(s.Metric[model.InstanceLabel]), State: stateName(code)})
		worst = max(worst, code)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Instance < out[j].Instance })
	return out, stateName(worst)
}

func stateName(code int) string {
	switch code {
	case 0:
		return report.TaskRunning
	case 1:
		return report.TaskPaused
	case 2:
		return report.TaskError
	}
	return fmt.Sprintf("unknown (%d)", code)
}
