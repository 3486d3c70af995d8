package promapi

import (
	"context"
	"time"

	"github.com/prometheus/common/model"

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
	// Each answer is reduced as it arrives and not kept: a fleet's answers
	// are megabytes each, its figures a small struct per backup.
	acc := newFleetAcc(f, now)
	b := newBatch(c, now)
	b.limit, b.parallel, b.reduce = fleetBodyBytes, fleetParallel, acc.add
	b.run(ctx, map[string]string{
		"current":      "max " + by + "(" + sel.Selector(mCurrent) + ")",
		"rate":         "sum " + by + "(rate(" + sel.Selector(mTotal) + "[5m])) * 3600 > 0",
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
	acc.finish(b, c)
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
		if ok, labelled := match(same[0].Labels, t); labelled && !ok {
			return &report.TaskFigures{Task: t.Name, Absent: true, Note: "TiKV reports a task of this name only for another TiDB cluster (" + labelsText(same[0].Labels) + ")"}
		}
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
