package fleet

import (
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

func fp(v float64) *float64 { return &v }

func dp(d time.Duration) *backup.Duration { x := backup.Duration(d); return &x }

func TestMetricsListOrderAndJoin(t *testing.T) {
	f := &promapi.Fleet{
		Retries: map[promapi.Key]*report.RetryFigures{
			{Namespace: "a", Name: "retrying"}:  {Current: fp(1), RatePerHour: fp(0)},
			{Namespace: "a", Name: "exhausted"}: {Current: fp(0), Exhausted: fp(1)},
			{Namespace: "a", Name: "quiet"}:     {Current: fp(0), RatePerHour: fp(0)},
		},
		Alerts:     map[promapi.Key][]report.Alert{{Namespace: "a", Name: "pending"}: {{Name: "X", State: "pending"}}},
		TaskAlerts: map[string][]report.Alert{},
		Tasks: []promapi.FleetTask{
			{Labels: model.Metric{"tidb_cluster": "a-basic"}, Figures: &report.TaskFigures{Task: "pitr", State: report.TaskError}},
			{Labels: model.Metric{"tidb_cluster": "b-basic"}, Figures: &report.TaskFigures{Task: "pitr", State: report.TaskRunning}},
			{Labels: model.Metric{"tidb_cluster": "a-basic"}, Figures: &report.TaskFigures{Task: "stuck", State: report.TaskRunning, Lag: dp(time.Hour), Advanced: dp(0)}},
		},
	}
	rows := []Row{
		{Namespace: "a", Name: "quiet", Mode: "snapshot"},
		{Namespace: "a", Name: "nothing", Mode: "snapshot"},
		{Namespace: "a", Name: "pending", Mode: "snapshot"},
		{Namespace: "a", Name: "retrying", Mode: "snapshot"},
		{Namespace: "a", Name: "exhausted", Mode: "snapshot"},
		{Namespace: "a", Name: "stuck", Mode: "log", Phase: "Running", Cluster: "basic"},
		{Namespace: "b", Name: "pitr", Mode: "log", Phase: "Running", Cluster: "basic"},
		{Namespace: "a", Name: "pitr", Mode: "log", Phase: "Running", Cluster: "basic"},
	}
	l := NewMetricsList(time.Now())
	l.AddMetrics(rows, f)
	var got []string
	for _, r := range l.Items {
		got = append(got, r.Namespace+"/"+r.Name)
	}
	want := []string{"a/pitr", "a/exhausted", "a/stuck", "a/retrying", "a/pending", "a/quiet", "b/pitr"}
	if len(got) != len(want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rows %v, want %v", got, want)
		}
	}
	// Each backup got its own cluster's task of the shared name.
	if l.Items[0].Task.State != report.TaskError || l.Items[len(l.Items)-1].Task.State != report.TaskRunning {
		t.Errorf("tasks joined to the wrong cluster: %+v / %+v", l.Items[0].Task, l.Items[len(l.Items)-1].Task)
	}
	if l.Items[0].Task.Scope != `tidb_cluster="a-basic"` {
		t.Errorf("scope %q", l.Items[0].Task.Scope)
	}
}

func TestTaskOfAmbiguousAndMissing(t *testing.T) {
	f := &promapi.Fleet{Tasks: []promapi.FleetTask{
		{Labels: model.Metric{}, Figures: &report.TaskFigures{Task: "pitr", State: report.TaskRunning}},
		{Labels: model.Metric{"instance": "x"}, Figures: &report.TaskFigures{Task: "pitr", State: report.TaskPaused}},
	}}
	if got := f.TaskOf(promapi.Target{Namespace: "a", Name: "pitr", Log: true}); got.Error == "" {
		t.Errorf("two unlabelled clusters: want an error, got %+v", got)
	}
	if got := f.TaskOf(promapi.Target{Namespace: "a", Name: "other", Log: true}); !got.Absent {
		t.Errorf("no such task: want absent, got %+v", got)
	}
	f.TasksNote = "no TiKV log backup metrics: is Prometheus scraping TiKV?"
	if got := f.TaskOf(promapi.Target{Namespace: "a", Name: "pitr", Log: true}); got.Note != f.TasksNote || got.Absent {
		t.Errorf("no TiKV metrics: %+v", got)
	}
}
