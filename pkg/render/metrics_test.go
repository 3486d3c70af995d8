package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/fleet"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

func f64(v float64) *float64 { return &v }

func d(v time.Duration) *backup.Duration { x := backup.Duration(v); return &x }

func sampleMetrics() report.MetricsSection {
	cp, sp := now.Add(-25*time.Minute), now.Add(-3*time.Hour)
	return report.MetricsSection{
		Prometheus: "service monitoring/prometheus-k8s:web through the API server (found: kube-prometheus)",
		Retries: &report.RetryFigures{Current: f64(1), RatePerHour: f64(2.4), Results: f64(2.03), SuccessRatio: f64(0.5),
			Exhausted: f64(0), Timeouts: f64(0), P50: d(2 * time.Minute), P90: d(8 * time.Minute)},
		Alerts: &report.AlertsPart{Items: []report.Alert{
			{Name: "LogBackupTaskError", State: "firing", Severity: "critical", Since: at(-20 * time.Minute)},
			{Name: "LogBackupRPOHigh", State: "pending", Severity: "warning"},
		}},
		Task: &report.TaskFigures{Task: "logstream", State: report.TaskError,
			Stores:     []report.StoreState{{Instance: "basic-tikv-0", State: "error"}, {Instance: "basic-tikv-1", State: "running"}},
			Checkpoint: &cp, Lag: d(25 * time.Minute), Advanced: d(0), GCSafePoint: &sp,
			Errors: map[string]float64{"io": 3}, FatalErrors: map[string]float64{"storage": 1}},
	}
}

func TestMetricsSectionParts(t *testing.T) {
	r := sample()
	var buf bytes.Buffer
	if err := Investigation(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Metrics (Prometheus)",
		"From:        service monitoring/prometheus-k8s:web through the API server (found: kube-prometheus)",
		"Retries:     1 now, 2.4/h (5m rate); last hour: 50% succeeded of 2 results, 0 exhausted, 0 timed out",
		"Duration:    p50 2m0s, p90 8m0s",
		"LogBackupTaskError firing since 2026-11-25T09:40:00Z (20m) [critical]",
		"LogBackupRPOHigh pending [warning]",
		`Task:        "logstream" (TiKV/TiDB metrics)`,
		"State:       ERROR (2 stores: error on basic-tikv-0; running on basic-tikv-1)",
		"Checkpoint:  2026-11-25T09:35:00Z (lag 25m0s; moved 0s in the last 15m)",
		"GC safepoint: 2026-11-25T07:00:00Z",
		"Errors (1h): 3 (io 3); fatal: 1 (storage 1)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestMetricsSectionNotesAndErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		sec  report.MetricsSection
		want []string
	}{
		"skipped": {report.MetricsSection{Skipped: "not queried (--no-prometheus)"}, []string{"not queried (--no-prometheus)"}},
		"unread": {report.MetricsSection{Prometheus: "p",
			Retries: &report.RetryFigures{Current: f64(1), Unread: []string{"p50: the server failed (500)"}},
			Task:    &report.TaskFigures{Task: "t", State: report.TaskRunning, Unread: []string{"safepoint: no answer within 10s (--prometheus-timeout)"}}},
			[]string{"Retries:     1 now", "not read: p50: the server failed (500)", "State:       RUNNING", "not read: safepoint: no answer within 10s"}},
		"error": {report.MetricsSection{Error: "http://p (--prometheus-url): unreachable: connection refused"}, []string{"error: http://p (--prometheus-url): unreachable: connection refused"}},
		"parts": {report.MetricsSection{Prometheus: "p",
			Retries: &report.RetryFigures{Note: "not exported: is the logbackup exporter running?"},
			Alerts:  &report.AlertsPart{Error: "the server failed (500)"},
			Task:    &report.TaskFigures{Task: "t", Note: "no TiKV log backup metrics: is Prometheus scraping TiKV?"}},
			[]string{"Retries:     not exported: is the logbackup exporter running?", "Alerts:      error: the server failed (500)", "no TiKV log backup metrics"}},
	} {
		t.Run(name, func(t *testing.T) {
			r := sample()
			r.Metrics = tc.sec
			var buf bytes.Buffer
			if err := Investigation(&buf, r, Options{}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(buf.String(), w) {
					t.Errorf("missing %q in:\n%s", w, buf.String())
				}
			}
		})
	}
	// A report without the section (saved before it existed) draws none.
	r := sample()
	r.Metrics = report.MetricsSection{}
	var buf bytes.Buffer
	_ = Investigation(&buf, r, Options{})
	if strings.Contains(buf.String(), "Metrics (Prometheus)") {
		t.Error("an empty section is drawn")
	}
}

func TestMetricsListTable(t *testing.T) {
	m := sampleMetrics()
	l := fleet.NewMetricsList(now)
	l.Prometheus = "http://p:9090 (--prometheus-url)"
	l.Items = []fleet.MetricsRow{
		{Namespace: "tidb", Name: "logstream", Mode: "log", Phase: "Running", Figures: fleet.Figures{Retries: m.Retries, Alerts: m.Alerts.Items, Task: m.Task}},
		{Namespace: "tidb", Name: "snap", Mode: "snapshot", Phase: "Complete", Figures: fleet.Figures{Retries: &report.RetryFigures{Current: f64(0), RatePerHour: f64(0)}}},
	}
	l.Notes = []string{"no TiKV log backup metrics: is Prometheus scraping TiKV?"}
	var buf bytes.Buffer
	if err := MetricsList(&buf, l, MetricsListOptions{AllNamespaces: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"NAMESPACE", "RETRIES/H", "OK 1H", "RPO", "25m0s (stuck)", "LogBackupTaskError, LogBackupRPOHigh (pending)", "note: no TiKV log backup metrics"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Index(out, "logstream") > strings.Index(out, "snap ") {
		t.Errorf("rows out of order:\n%s", out)
	}
}
