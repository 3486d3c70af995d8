package promapi

import (
	"sort"
	"time"

	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// fleetAcc reduces a fleet's answers as they arrive (batch.reduce, called
// under the batch's lock) and puts the figures together once all are in.
type fleetAcc struct {
	f              *Fleet
	now            time.Time
	exporter, tikv bool
	successes      map[Key]float64
	alerts         []alertRow
	since          map[alertID]time.Time
	tasks          map[taskKey]*FleetTask
	stores         map[taskKey][]report.StoreState
}

type alertID struct{ ns, backup, task, name string }

type alertRow struct {
	id    alertID
	alert report.Alert
}

type taskKey struct{ task, id string }

func newFleetAcc(f *Fleet, now time.Time) *fleetAcc {
	return &fleetAcc{f: f, now: now, successes: map[Key]float64{}, since: map[alertID]time.Time{},
		tasks: map[taskKey]*FleetTask{}, stores: map[taskKey][]report.StoreState{}}
}

func (a *fleetAcc) retry(k Key) *report.RetryFigures {
	r := a.f.Retries[k]
	if r == nil {
		r = &report.RetryFigures{}
		a.f.Retries[k] = r
	}
	return r
}

func (a *fleetAcc) task(m model.Metric) *FleetTask {
	k := taskKey{string(m["task"]), identity(m)}
	t := a.tasks[k]
	if t == nil {
		labels := model.Metric{}
		for _, l := range clusterLabels {
			if v, ok := m[l]; ok {
				labels[l] = v
			}
		}
		t = &FleetTask{Labels: labels, Figures: &report.TaskFigures{Task: k.task}}
		a.tasks[k] = t
	}
	return t
}

// add reduces one answer.
func (a *fleetAcc) add(name string, v model.Vector) {
	for _, s := range v {
		f := float64(s.Value)
		switch name {
		case "current":
			a.retry(keyOf(s.Metric)).Current = count(f)
		case "rate":
			a.retry(keyOf(s.Metric)).RatePerHour = count(f)
		case "results":
			a.retry(keyOf(s.Metric)).Results = count(f)
		case "exhausted":
			a.retry(keyOf(s.Metric)).Exhausted = count(f)
		case "timeouts":
			a.retry(keyOf(s.Metric)).Timeouts = count(f)
		case "p50":
			a.retry(keyOf(s.Metric)).P50 = duration(f)
		case "p90":
			a.retry(keyOf(s.Metric)).P90 = duration(f)
		case "successes":
			if c := count(f); c != nil {
				a.successes[keyOf(s.Metric)] = *c
			}
		case "exporter":
			a.exporter = true
		case "task.tikv":
			a.tikv = true
		case "alerts":
			m := s.Metric
			a.alerts = append(a.alerts, alertRow{
				id:    alertID{string(m["namespace"]), string(m["backup"]), string(m["task"]), string(m[model.AlertNameLabel])},
				alert: report.Alert{Name: string(m[model.AlertNameLabel]), State: string(m["alertstate"]), Severity: string(m["severity"])},
			})
		case "alerts.since":
			m := s.Metric
			if t := unixTime(f, a.now); t != nil {
				a.since[alertID{string(m["namespace"]), string(m["backup"]), string(m["task"]), string(m[model.AlertNameLabel])}] = *t
			}
		case "task.status":
			t := a.task(s.Metric)
			k := taskKey{t.Figures.Task, identity(s.Metric)}
			a.stores[k] = append(a.stores[k], report.StoreState{Instance: string(s.Metric[model.InstanceLabel]), State: taskState(f)})
		case "task.cp":
			t := a.task(s.Metric)
			if at := tsoTime(f, a.now); at != nil && (t.Figures.Checkpoint == nil || at.After(*t.Figures.Checkpoint)) {
				lag := backup.Duration(max(a.now.Sub(*at), 0).Round(time.Second))
				t.Figures.Checkpoint, t.Figures.Lag = at, &lag
			}
		case "task.moved":
			t := a.task(s.Metric)
			if d := tsoSeconds(f); d != nil && (t.Figures.Advanced == nil || *d > *t.Figures.Advanced) {
				t.Figures.Advanced = d
			}
		}
	}
}

// finish puts the figures together, with a note or error per part.
func (a *fleetAcc) finish(b *batch, c *Client) {
	f := a.f
	if err := b.firstErr("current", "exporter"); err != nil {
		f.RetriesError = c.Reason(err)
		f.Retries = map[Key]*report.RetryFigures{}
	} else if !a.exporter {
		f.RetriesNote = "not exported: is the logbackup exporter running? (kubectl logbackup exporter manifests)"
	}
	var unread []string
	for _, name := range []string{"rate", "results", "successes", "exhausted", "timeouts", "p50", "p90"} {
		if err := b.err[name]; err != nil {
			unread = append(unread, name+": "+c.Reason(err))
		}
	}
	zero := func(p **float64) {
		if *p == nil {
			z := 0.0
			*p = &z
		}
	}
	for k, r := range f.Retries {
		r.Unread = unread
		// Counts are asked "> 0": a backup with series and no count has 0
		// (unless that count could not be read).
		if r.Current != nil {
			for name, p := range map[string]**float64{"rate": &r.RatePerHour, "results": &r.Results, "exhausted": &r.Exhausted, "timeouts": &r.Timeouts} {
				if b.err[name] == nil {
					zero(p)
				}
			}
		}
		if r.Results != nil && *r.Results > 0 && b.err["successes"] == nil {
			r.SuccessRatio = ratio(min(a.successes[k] / *r.Results, 1))
		}
	}

	if err := b.firstErr("alerts"); err != nil {
		f.AlertsError = c.Reason(err)
	} else {
		for _, row := range a.alerts {
			al := row.alert
			if t, ok := a.since[row.id]; ok {
				al.Since = &t
			}
			if row.id.backup != "" {
				k := Key{Namespace: row.id.ns, Name: row.id.backup}
				f.Alerts[k] = append(f.Alerts[k], al)
			} else {
				k := TaskKey(row.id.task, row.id.ns)
				f.TaskAlerts[k] = append(f.TaskAlerts[k], al)
			}
		}
	}

	switch err := b.firstErr("task.status", "task.tikv"); {
	case err != nil:
		f.TasksError = c.Reason(err)
		return
	case !a.tikv:
		f.TasksNote = "no TiKV log backup metrics: is Prometheus scraping TiKV?"
		return
	}
	var taskUnread []string
	for _, name := range []string{"task.cp", "task.moved"} {
		if err := b.err[name]; err != nil {
			taskUnread = append(taskUnread, name[len("task."):]+": "+c.Reason(err))
		}
	}
	keys := make([]taskKey, 0, len(a.tasks))
	for k, t := range a.tasks {
		keys = append(keys, k)
		t.Figures.Stores, t.Figures.State = sortedStores(a.stores[k])
		t.Figures.Unread = taskUnread
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].task != keys[j].task {
			return keys[i].task < keys[j].task
		}
		return keys[i].id < keys[j].id
	})
	for _, k := range keys {
		f.Tasks = append(f.Tasks, *a.tasks[k])
	}
}
