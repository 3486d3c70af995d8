package promapi

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Absurd numbers from Prometheus are no figures: nothing overflows, no
// time leaves the years JSON can hold, no verdict flips on them.
func TestAbsurdValuesAreNoFigures(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	inf, nan := math.Inf(1), math.NaN()
	for _, f := range []float64{nan, inf, -inf, -1, 1e13, 1e308} {
		if count(f) != nil {
			t.Errorf("count(%g) is a figure", f)
		}
	}
	for _, f := range []float64{nan, inf, -1, 1e11, 1e300} {
		if duration(f) != nil || tsoSeconds(f*tsoPerSecond) != nil {
			t.Errorf("duration(%g) is a figure", f)
		}
	}
	for _, f := range []float64{nan, inf, 0, -5, 1e12, 1e20, 946684799} {
		if unixTime(f, now) != nil {
			t.Errorf("unixTime(%g) is a time", f)
		}
	}
	future := float64(now.Add(25*time.Hour).UnixMilli()) * (1 << 18)
	for _, f := range []float64{nan, inf, 0, -1, 1e20, 1e30, future, 1 << 18} {
		if tsoTime(f, now) != nil {
			t.Errorf("tsoTime(%g) is a time", f)
		}
	}
	if got := tsoTime(float64(now.Add(-time.Hour).UnixMilli())*(1<<18), now); got == nil || !got.Equal(now.Add(-time.Hour)) {
		t.Errorf("a real TSO: %v", got)
	}
	if d := tsoSeconds(15 * 60 * tsoPerSecond); d == nil || time.Duration(*d) != 15*time.Minute {
		t.Errorf("15 minutes of TSO: %v", d)
	}
	for f, want := range map[float64]string{0: "running", 1: "paused", 2: "error", 2.5: "unknown", -1: "unknown", 7: "unknown", nan: "unknown", 1e300: "unknown"} {
		if got := taskState(f); got != want {
			t.Errorf("taskState(%g) = %s, want %s", f, got, want)
		}
	}
}

// An unknown store state hides no known bad one.
func TestWorstStoreState(t *testing.T) {
	for want, values := range map[string][]float64{
		"paused":  {1, 7},
		"error":   {math.NaN(), 2, 0},
		"unknown": {0, -1},
		"running": {0, 0},
	} {
		var v model.Vector
		for i, f := range values {
			v = append(v, &model.Sample{Metric: model.Metric{"instance": model.LabelValue(rune('a' + i))}, Value: model.SampleValue(f)})
		}
		if _, got := storeStates(v); got != want {
			t.Errorf("stores %v: task %s, want %s", values, got, want)
		}
	}
}

// A fleet read from absurd answers still makes valid JSON.
func TestFleetOfAbsurdValuesMarshals(t *testing.T) {
	now := time.Now()
	f := &Fleet{Retries: map[Key]*report.RetryFigures{}, Alerts: map[Key][]report.Alert{}, TaskAlerts: map[string][]report.Alert{}}
	a := newFleetAcc(f, now)
	m := model.Metric{"namespace": "ns", "backup": "b", "task": "b", "alertname": "X", "instance": "i"}
	for _, name := range []string{"current", "rate", "results", "exhausted", "timeouts", "p50", "p90", "successes", "alerts", "alerts.since", "task.status", "task.cp", "task.moved", "exporter", "task.tikv"} {
		for _, v := range []float64{math.NaN(), math.Inf(1), 1e308, -1e308} {
			a.add(name, model.Vector{&model.Sample{Metric: m, Value: model.SampleValue(v)}})
		}
	}
	a.finish(newBatch(nil, now), nil)
	if _, err := json.Marshal(f.Tasks); err != nil {
		t.Fatalf("tasks: %v", err)
	}
	for k, r := range f.Retries {
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("retries of %v: %v", k, err)
		}
	}
	for k, as := range f.Alerts {
		if _, err := json.Marshal(as); err != nil {
			t.Fatalf("alerts of %v: %v", k, err)
		}
	}
	if len(f.Retries) != 1 || len(f.Tasks) != 1 {
		t.Errorf("%d retries, %d tasks", len(f.Retries), len(f.Tasks))
	}
}
