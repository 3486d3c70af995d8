package promapi

import (
	"context"
	"sort"
	"time"

	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Key names a backup in the exporter's series.
type Key struct{ Namespace, Name string }

// Fleet is what Prometheus knows about every backup at once: the same
// figures as Figures, asked once for all (grouped by namespace and
// backup, or by task), never once per backup.
type Fleet struct {
	Where   string
	Retries map[Key]*report.RetryFigures
	// RetriesNote / RetriesError: why there are no retry figures at all.
	RetriesNote, RetriesError string
	Alerts                    map[Key][]report.Alert
	// TaskAlerts: the task rules' alerts, by TaskKey (task, namespace).
	TaskAlerts  map[string][]report.Alert
	AlertsError string
	// Tasks: each task as one TiDB cluster reports it (a name run by two
	// clusters is two entries), before they are matched to backups.
	Tasks                 []FleetTask
	TasksNote, TasksError string
}

// FleetTask is one task of one TiDB cluster.
type FleetTask struct {
	Labels  model.Metric // the cluster labels its series carry
	Figures *report.TaskFigures
}

// Fleet asks for every backup's figures in namespace ("" for all).
func (c *Client) Fleet(ctx context.Context, namespace string, now time.Time) *Fleet {
	f := &Fleet{Where: c.Where, Retries: map[Key]*report.RetryFigures{}, Alerts: map[Key][]report.Alert{}, TaskAlerts: map[string][]report.Alert{}}
	var sel Matchers
	if namespace != "" {
		sel = Matchers{{"namespace", namespace}}
	}
	// The counts are asked "> 0": the exporter keeps every backup's series
	// from its first sight, so a fleet's answers would otherwise hold a
	// zero for every backup, per query. A backup with a current series and
	// no count has a count of 0 (fleetRetries fills it).
	by := "by (namespace, backup) "
	inc := func(metric string, extra ...Matcher) string {
		return "sum " + by + "(increase(" + sel.With(extra...).Selector(metric) + "[1h])) > 0"
	}
	quantile := func(q string) string {
		return "histogram_quantile(" + q + ", sum by (namespace, backup, le) (increase(" + sel.Selector(mDuration) + "[1h]))) >= 0"
	}
	withBackup := sel.String()
	if withBackup != "" {
		withBackup += ","
	}
	b := newBatch(c, now)
	b.run(ctx, map[string]string{
		"current":      "max " + by + "(" + sel.Selector(mCurrent) + ")",
		"rate":         "sum " + by + "(rate(" + sel.Selector(mTotal) + "[5m])) * 3600",
		"results":      inc(mResult),
		"successes":    inc(mResult, Matcher{"result", "success"}),
		"exhausted":    inc(mExhausted),
		"timeouts":     inc(mTimeout),
		"p50":          quantile("0.5"),
		"p90":          quantile("0.9"),
		"exporter":     "count(" + mCurrent + ") or count(" + mReady + ")",
		"alerts":       "ALERTS{" + withBackup + `backup!=""} or ALERTS{task!=""}`,
		"alerts.since": "ALERTS_FOR_STATE{" + withBackup + `backup!=""} or ALERTS_FOR_STATE{task!=""}`,
		"task.status":  mTaskStatus,
		"task.cp":      mCheckpoint,
		"task.moved":   mCheckpoint + " - " + mCheckpoint + " offset 15m",
		"task.tikv":    "count(" + mEnabled + ") or count(" + mTaskStatus + ")",
	})
	f.fleetRetries(b, c)
	f.fleetAlerts(b, c)
	f.fleetTasks(b, c, now)
	return f
}

// TaskKey keys a task's alerts: its name and the namespace label of the
// TiKV series the rule grouped (empty when they have none).
func TaskKey(task, namespace string) string { return task + "\x00" + namespace }

// TaskAlertsFor are the task alerts of a log backup's task: those of its
// cluster's namespace and those with no namespace.
func (f *Fleet) TaskAlertsFor(t Target) []report.Alert {
	out := append([]report.Alert(nil), f.TaskAlerts[TaskKey(t.Name, t.clusterNS())]...)
	return append(out, f.TaskAlerts[TaskKey(t.Name, "")]...)
}

func keyOf(m model.Metric) Key {
	return Key{Namespace: string(m["namespace"]), Name: string(m["backup"])}
}

func (f *Fleet) fleetRetries(b *batch, c *Client) {
	if err := b.firstErr(retryNames...); err != nil {
		f.RetriesError = c.Reason(err)
		return
	}
	if len(b.vec["exporter"]) == 0 {
		f.RetriesNote = "not exported: is the logbackup exporter running? (kubectl logbackup exporter manifests)"
		return
	}
	get := func(k Key) *report.RetryFigures {
		r := f.Retries[k]
		if r == nil {
			r = &report.RetryFigures{}
			f.Retries[k] = r
		}
		return r
	}
	each := func(name string, set func(*report.RetryFigures, *float64)) {
		for _, s := range b.vec[name] {
			if v := finite(float64(s.Value)); v != nil {
				set(get(keyOf(s.Metric)), v)
			}
		}
	}
	each("current", func(r *report.RetryFigures, v *float64) { r.Current = v })
	each("rate", func(r *report.RetryFigures, v *float64) { r.RatePerHour = v })
	each("results", func(r *report.RetryFigures, v *float64) { r.Results = v })
	each("exhausted", func(r *report.RetryFigures, v *float64) { r.Exhausted = v })
	each("timeouts", func(r *report.RetryFigures, v *float64) { r.Timeouts = v })
	each("p50", func(r *report.RetryFigures, v *float64) { r.P50 = seconds(v) })
	each("p90", func(r *report.RetryFigures, v *float64) { r.P90 = seconds(v) })
	for _, r := range f.Retries {
		zero := func(p **float64) {
			if *p == nil {
				z := 0.0
				*p = &z
			}
		}
		if r.Current != nil {
			zero(&r.RatePerHour)
			zero(&r.Results)
			zero(&r.Exhausted)
			zero(&r.Timeouts)
		}
	}
	each("successes", func(r *report.RetryFigures, v *float64) {
		if r.Results != nil && *r.Results > 0 {
			ratio := min(*v / *r.Results, 1)
			r.SuccessRatio = &ratio
		}
	})
	// Results but no success in the window: a ratio of 0.
	for _, r := range f.Retries {
		if r.SuccessRatio == nil && r.Results != nil && *r.Results > 0 {
			z := 0.0
			r.SuccessRatio = &z
		}
	}
}

func finite(f float64) *float64 {
	if f != f || f > 1e300 || f < -1e300 {
		return nil
	}
	return &f
}

func (f *Fleet) fleetAlerts(b *batch, c *Client) {
	if err := b.firstErr("alerts"); err != nil {
		f.AlertsError = c.Reason(err)
		return
	}
	type id struct{ ns, backup, task, name string }
	since := map[id]time.Time{}
	for _, s := range b.vec["alerts.since"] {
		m := s.Metric
		since[id{string(m["namespace"]), string(m["backup"]), string(m["task"]), string(m[model.AlertNameLabel])}] = time.Unix(int64(s.Value), 0).UTC()
	}
	for _, s := range b.vec["alerts"] {
		m := s.Metric
		a := report.Alert{Name: string(m[model.AlertNameLabel]), State: string(m["alertstate"]), Severity: string(m["severity"])}
		if t, ok := since[id{string(m["namespace"]), string(m["backup"]), string(m["task"]), a.Name}]; ok {
			a.Since = &t
		}
		if m["backup"] != "" {
			k := keyOf(m)
			f.Alerts[k] = append(f.Alerts[k], a)
		} else {
			k := TaskKey(string(m["task"]), string(m["namespace"]))
			f.TaskAlerts[k] = append(f.TaskAlerts[k], a)
		}
	}
}

// fleetTasks groups the raw task series by task and cluster labels.
func (f *Fleet) fleetTasks(b *batch, c *Client, now time.Time) {
	if err := b.firstErr("task.status", "task.cp", "task.moved", "task.tikv"); err != nil {
		f.TasksError = c.Reason(err)
		return
	}
	if len(b.vec["task.tikv"]) == 0 {
		f.TasksNote = "no TiKV log backup metrics: is Prometheus scraping TiKV?"
		return
	}
	type tkey struct{ task, id string }
	tasks := map[tkey]*FleetTask{}
	var order []tkey
	get := func(m model.Metric) *FleetTask {
		k := tkey{string(m["task"]), identity(m)}
		t := tasks[k]
		if t == nil {
			labels := model.Metric{}
			for _, l := range clusterLabels {
				if v, ok := m[l]; ok {
					labels[l] = v
				}
			}
			t = &FleetTask{Labels: labels, Figures: &report.TaskFigures{Task: k.task}}
			tasks[k] = t
			order = append(order, k)
		}
		return t
	}
	states := map[tkey]model.Vector{}
	for _, s := range b.vec["task.status"] {
		t := get(s.Metric)
		k := tkey{t.Figures.Task, identity(s.Metric)}
		states[k] = append(states[k], s)
	}
	for k, v := range states {
		tasks[k].Figures.Stores, tasks[k].Figures.State = storeStates(v)
	}
	for _, s := range b.vec["task.cp"] {
		t := get(s.Metric)
		if v := float64(s.Value); v > 0 {
			at := tsoTime(v)
			if t.Figures.Checkpoint == nil || at.After(*t.Figures.Checkpoint) {
				lag := backup.Duration(max(now.Sub(at), 0).Round(time.Second))
				t.Figures.Checkpoint, t.Figures.Lag = &at, &lag
			}
		}
	}
	for _, s := range b.vec["task.moved"] {
		t := get(s.Metric)
		d := backup.Duration(time.Duration(float64(s.Value) / tsoPerSecond * float64(time.Second)).Round(time.Second))
		if t.Figures.Advanced == nil || d > *t.Figures.Advanced {
			t.Figures.Advanced = &d
		}
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].task != order[j].task {
			return order[i].task < order[j].task
		}
		return order[i].id < order[j].id
	})
	for _, k := range order {
		f.Tasks = append(f.Tasks, *tasks[k])
	}
}

// TaskOf finds the task of a log backup among the fleet's: by name and,
// when more than one cluster runs a task of that name, by the backup's
// cluster labels. It returns a figure with a note or error when it cannot.
func (f *Fleet) TaskOf(t Target) *report.TaskFigures {
	if f.TasksError != "" {
		return &report.TaskFigures{Task: t.Name, Error: f.TasksError}
	}
	if f.TasksNote != "" {
		return &report.TaskFigures{Task: t.Name, Note: f.TasksNote}
	}
	var same []FleetTask
	for _, ft := range f.Tasks {
		if ft.Figures.Task == t.Name {
			same = append(same, ft)
		}
	}
	switch {
	case len(same) == 0:
		return &report.TaskFigures{Task: t.Name, Absent: true, Note: "TiKV reports no task of this name"}
	case len(same) == 1:
		return same[0].Figures
	}
	var match []FleetTask
	for _, ft := range same {
		if belongs(ft.Labels, t) {
			match = append(match, ft)
		}
	}
	if len(match) != 1 {
		return &report.TaskFigures{Task: t.Name, Error: "reported by several TiDB clusters; the labels do not say which is this backup's (investigate it with --task-labels)"}
	}
	fig := *match[0].Figures
	fig.Scope = labelsText(match[0].Labels)
	return &fig
}

func labelsText(m model.Metric) string {
	var ms Matchers
	for _, l := range clusterLabels {
		if v, ok := m[l]; ok {
			ms = append(ms, Matcher{string(l), string(v)})
		}
	}
	return ms.String()
}
