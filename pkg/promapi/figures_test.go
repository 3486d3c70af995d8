package promapi

import (
	"context"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

var figuresNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

// tso is the TSO of t, as TiDB exports it (a float).
func tso(t time.Time) float64 { return float64(t.Unix()) * tsoPerSecond }

// answers is a fake Prometheus' answers by query; a query it does not
// know is an error of the test (the queries are the contract with the
// exporter's and TiKV's series).
type answers struct {
	t       *testing.T
	mu      sync.Mutex
	by      map[string]answer
	unknown []string
}

func (a *answers) answer(q string) answer {
	a.mu.Lock()
	defer a.mu.Unlock()
	if q == "vector(1)" {
		return ok(sample{value: 1})
	}
	if ans, found := a.by[q]; found {
		return ans
	}
	a.unknown = append(a.unknown, q)
	return ok()
}

func (a *answers) check() {
	a.t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, q := range a.unknown {
		a.t.Errorf("unexpected query %s", q)
	}
}

func figuresClient(t *testing.T, by map[string]answer) (*Client, *answers, *fakeProm) {
	t.Helper()
	a := &answers{t: t, by: by}
	fp := &fakeProm{t: t, answer: a.answer}
	srv := httptest.NewServer(fp)
	t.Cleanup(srv.Close)
	o := Connect(context.Background(), Config{URL: srv.URL, Timeout: 5 * time.Second}, Kube{})
	if o.Client == nil {
		t.Fatalf("Connect = %+v", o)
	}
	return o.Client, a, fp
}

func labelsKV(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// The queries for backup ns/b.
const (
	qCurrent   = `max(tidb_operator_log_backup_retry_current{namespace="ns",backup="b"})`
	qRate      = `sum(rate(tidb_operator_log_backup_retry_total{namespace="ns",backup="b"}[5m])) * 3600`
	qResults   = `sum(increase(tidb_operator_log_backup_retry_result_total{namespace="ns",backup="b"}[1h]))`
	qSuccesses = `sum(increase(tidb_operator_log_backup_retry_result_total{namespace="ns",backup="b",result="success"}[1h]))`
	qExhausted = `sum(increase(tidb_operator_log_backup_retry_exhausted_total{namespace="ns",backup="b"}[1h]))`
	qTimeouts  = `sum(increase(tidb_operator_log_backup_retry_timeout_total{namespace="ns",backup="b"}[1h]))`
	qP50       = `histogram_quantile(0.5, sum by (le) (increase(tidb_operator_log_backup_retry_duration_seconds_bucket{namespace="ns",backup="b"}[1h])))`
	qP90       = `histogram_quantile(0.9, sum by (le) (increase(tidb_operator_log_backup_retry_duration_seconds_bucket{namespace="ns",backup="b"}[1h])))`
	qExporter  = `count(tidb_operator_log_backup_retry_current) or count(logbackup_exporter_ready)`
	qAlerts    = `ALERTS{namespace="ns",backup="b"} or ALERTS{task="b",namespace="ns"} or ALERTS{task="b",namespace=""}`
	qSince     = `ALERTS_FOR_STATE{namespace="ns",backup="b"} or ALERTS_FOR_STATE{task="b",namespace="ns"} or ALERTS_FOR_STATE{task="b",namespace=""}`
	qStatus    = `tikv_log_backup_task_status{task="b"}`
	qTiKV      = `count(tikv_log_backup_enabled) or count(tikv_log_backup_task_status)`
	qCheckpt   = `max(tidb_log_backup_last_checkpoint{task="b"})`
	qMoved     = `max(tidb_log_backup_last_checkpoint{task="b"}) - max(tidb_log_backup_last_checkpoint{task="b"} offset 15m)`
	qErrors    = `sum by (type) (increase(tikv_log_backup_errors[1h]) and on (instance) tikv_log_backup_task_status{task="b"})`
	qFatal     = `sum by (type) (increase(tikv_log_backup_fatal_errors[1h]) and on (instance) tikv_log_backup_task_status{task="b"})`
	qSafePoint = `max(tikv_gcworker_autogc_safe_point and on (instance) tikv_log_backup_task_status{task="b"})`
)

// fullAnswers are a running log backup's: retries, two alerts, three
// stores in three states, a checkpoint 90s behind.
func fullAnswers() map[string]answer {
	return map[string]answer{
		qCurrent:   ok(sample{value: 2}),
		qRate:      ok(sample{value: 12}),
		qResults:   ok(sample{value: 10}),
		qSuccesses: ok(sample{value: 7}),
		qExhausted: ok(sample{value: 1}),
		qTimeouts:  ok(sample{value: 0}),
		qP50:       ok(sample{value: 1.4}),
		qP90:       ok(sample{value: mustNaN()}),
		qExporter:  ok(sample{value: 5}),
		qAlerts: ok(
			sample{labelsKV("alertname", "LogBackupRetrying", "alertstate", "pending", "severity", "warning", "namespace", "ns", "backup", "b"), 1},
			sample{labelsKV("alertname", "LogBackupTaskError", "alertstate", "firing", "severity", "critical", "task", "b"), 1},
			// The same alert again, from the other selector.
			sample{labelsKV("alertname", "LogBackupRetrying", "alertstate", "pending", "severity", "warning", "task", "b"), 1},
		),
		qSince: ok(sample{labelsKV("alertname", "LogBackupTaskError"), float64(figuresNow.Add(-5 * time.Minute).Unix())}),
		qStatus: ok(
			sample{labelsKV("instance", "tikv-1:20180", "task", "b"), 0},
			sample{labelsKV("instance", "tikv-0:20180", "task", "b"), 2},
			sample{labelsKV("instance", "tikv-2:20180", "task", "b"), 1},
		),
		qTiKV:    ok(sample{value: 3}),
		qCheckpt: ok(sample{value: tso(figuresNow.Add(-90 * time.Second))}),
		qMoved:   ok(sample{value: 60 * tsoPerSecond}),
		qErrors: ok(
			sample{labelsKV("type", "io"), 3},
			sample{labelsKV("type", "s3"), 2.5},
			sample{labelsKV("type", "zero"), 0},
		),
		qFatal:     ok(),
		qSafePoint: ok(sample{value: tso(figuresNow.Add(-10 * time.Minute))}),
	}
}

func mustNaN() float64 {
	var zero float64
	return zero / zero
}

func dur(d time.Duration) *backup.Duration {
	b := backup.Duration(d)
	return &b
}

func TestFigures(t *testing.T) {
	c, a, fp := figuresClient(t, fullAnswers())
	sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true}, figuresNow)
	a.check()

	if sec.Prometheus != c.Where || sec.Error != "" || sec.Skipped != "" {
		t.Errorf("section = %+v", sec)
	}
	r := sec.Retries
	if r == nil || r.Error != "" || r.Note != "" {
		t.Fatalf("retries = %+v", r)
	}
	for name, got := range map[string]*float64{"current": r.Current, "rate": r.RatePerHour, "results": r.Results, "exhausted": r.Exhausted, "timeouts": r.Timeouts, "ratio": r.SuccessRatio} {
		want := map[string]float64{"current": 2, "rate": 12, "results": 10, "exhausted": 1, "timeouts": 0, "ratio": 0.7}[name]
		if got == nil || *got != want {
			t.Errorf("retries %s = %v, want %v", name, got, want)
		}
	}
	if r.P50 == nil || *r.P50 != *dur(time.Second) {
		t.Errorf("p50 = %v, want 1s", r.P50)
	}
	if r.P90 != nil {
		t.Errorf("p90 = %v, want none (NaN)", *r.P90)
	}

	al := sec.Alerts
	if al == nil || al.Error != "" || len(al.Items) != 2 {
		t.Fatalf("alerts = %+v", al)
	}
	since := figuresNow.Add(-5 * time.Minute)
	first, second := al.Items[0], al.Items[1]
	if first.Name != "LogBackupTaskError" || first.State != "firing" || first.Severity != "critical" || first.Since == nil || !first.Since.Equal(since) {
		t.Errorf("first alert = %+v, want the firing LogBackupTaskError since %s", first, since)
	}
	if second.Name != "LogBackupRetrying" || second.State != "pending" || second.Since != nil {
		t.Errorf("second alert = %+v", second)
	}

	tf := sec.Task
	if tf == nil || tf.Error != "" || tf.Note != "" || tf.Absent || tf.Task != "b" || tf.Scope != "" {
		t.Fatalf("task = %+v", tf)
	}
	if tf.State != report.TaskError {
		t.Errorf("state = %s, want error (the worst store's)", tf.State)
	}
	wantStores := []report.StoreState{
		{Instance: "tikv-0:20180", State: report.TaskError},
		{Instance: "tikv-1:20180", State: report.TaskRunning},
		{Instance: "tikv-2:20180", State: report.TaskPaused},
	}
	if !slices.Equal(tf.Stores, wantStores) {
		t.Errorf("stores = %+v, want %+v", tf.Stores, wantStores)
	}
	if want := figuresNow.Add(-90 * time.Second); tf.Checkpoint == nil || !tf.Checkpoint.Equal(want) {
		t.Errorf("checkpoint = %v, want %s", tf.Checkpoint, want)
	}
	if tf.Lag == nil || *tf.Lag != *dur(90 * time.Second) {
		t.Errorf("lag = %v, want 1m30s", tf.Lag)
	}
	if tf.Advanced == nil || *tf.Advanced != *dur(time.Minute) {
		t.Errorf("advanced = %v, want 1m", tf.Advanced)
	}
	if want := figuresNow.Add(-10 * time.Minute); tf.GCSafePoint == nil || !tf.GCSafePoint.Equal(want) {
		t.Errorf("GC safe point = %v, want %s", tf.GCSafePoint, want)
	}
	if want := map[string]float64{"io": 3, "s3": 2.5}; !maps.Equal(tf.Errors, want) {
		t.Errorf("errors = %v, want %v", tf.Errors, want)
	}
	if len(tf.FatalErrors) != 0 {
		t.Errorf("fatal errors = %v", tf.FatalErrors)
	}

	// Every figure was asked once, at the instant given (besides the probe).
	queries, _ := fp.seen()
	if want := len(fullAnswers()) + 1; len(queries) != want {
		t.Errorf("%d queries, want %d", len(queries), want)
	}
}

func TestFiguresNotLog(t *testing.T) {
	by := fullAnswers()
	for _, q := range []string{qStatus, qTiKV, qCheckpt, qMoved, qErrors, qFatal, qSafePoint} {
		delete(by, q)
	}
	// A snapshot backup: no task, and the alerts are the backup's alone.
	delete(by, qAlerts)
	delete(by, qSince)
	by[`ALERTS{namespace="ns",backup="b"}`] = ok()
	by[`ALERTS_FOR_STATE{namespace="ns",backup="b"}`] = ok()
	c, a, _ := figuresClient(t, by)
	sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b"}, figuresNow)
	a.check()
	if sec.Task != nil {
		t.Errorf("task = %+v for a backup that is not a log backup", sec.Task)
	}
	if sec.Alerts == nil || sec.Alerts.Items == nil || len(sec.Alerts.Items) != 0 {
		t.Errorf("alerts = %+v, want an empty list", sec.Alerts)
	}
}

func TestFiguresAbsent(t *testing.T) {
	by := fullAnswers()
	for _, q := range []string{qCurrent, qExporter, qStatus, qTiKV} {
		by[q] = ok()
	}
	c, a, _ := figuresClient(t, by)
	sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true}, figuresNow)
	a.check()
	if r := sec.Retries; r == nil || !strings.Contains(r.Note, "not exported: is the logbackup exporter running?") || r.Error != "" || r.Current != nil {
		t.Errorf("retries = %+v", r)
	}
	if tf := sec.Task; tf == nil || tf.Note != "no TiKV log backup metrics: is Prometheus scraping TiKV?" || tf.Absent || tf.Error != "" {
		t.Errorf("task = %+v", tf)
	}
	// The alerts are still read.
	if sec.Alerts == nil || len(sec.Alerts.Items) != 2 {
		t.Errorf("alerts = %+v", sec.Alerts)
	}

	// The exporter runs but has no series for the backup; TiKV exports
	// log backup metrics but no store runs the task.
	by[qExporter] = ok(sample{value: 4})
	by[qTiKV] = ok(sample{value: 3})
	c, a, _ = figuresClient(t, by)
	sec = c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true}, figuresNow)
	a.check()
	if r := sec.Retries; r == nil || !strings.Contains(r.Note, "no series for this backup") {
		t.Errorf("retries = %+v", r)
	}
	if tf := sec.Task; tf == nil || !tf.Absent || !strings.Contains(tf.Note, `no task "b"`) || tf.State != "" {
		t.Errorf("task = %+v", tf)
	}

	// No checkpoint from TiDB: the stores' states stay, the note says why.
	by = fullAnswers()
	by[qCheckpt] = ok()
	by[qMoved] = ok()
	c, a, _ = figuresClient(t, by)
	sec = c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true}, figuresNow)
	a.check()
	if tf := sec.Task; tf == nil || tf.Checkpoint != nil || tf.Lag != nil || tf.Advanced != nil || !strings.Contains(tf.Note, "TiDB reports no checkpoint") || tf.State != report.TaskError {
		t.Errorf("task = %+v", tf)
	}
}

func TestFiguresOneQueryFails(t *testing.T) {
	cases := []struct {
		name  string
		fail  string
		check func(t *testing.T, sec report.MetricsSection)
	}{
		{"alerts", qAlerts, func(t *testing.T, sec report.MetricsSection) {
			if sec.Alerts == nil || sec.Alerts.Error != "the server failed (500)" {
				t.Errorf("alerts = %+v", sec.Alerts)
			}
			if sec.Retries == nil || sec.Retries.Error != "" || sec.Retries.Current == nil || *sec.Retries.Current != 2 {
				t.Errorf("retries = %+v", sec.Retries)
			}
			if sec.Task == nil || sec.Task.Error != "" || sec.Task.State != report.TaskError {
				t.Errorf("task = %+v", sec.Task)
			}
		}},
		{"alerts since", qSince, func(t *testing.T, sec report.MetricsSection) {
			// The alerts are still listed, without since.
			if sec.Alerts == nil || sec.Alerts.Error != "" || len(sec.Alerts.Items) != 2 || sec.Alerts.Items[0].Since != nil {
				t.Errorf("alerts = %+v", sec.Alerts)
			}
		}},
		{"a retry figure", qP50, func(t *testing.T, sec report.MetricsSection) {
			// p50 is said unread; every other retry figure is still read.
			if r := sec.Retries; r == nil || r.Error != "" || r.Current == nil || *r.Current != 2 || r.P50 != nil ||
				len(r.Unread) != 1 || r.Unread[0] != "p50: the server failed (500)" {
				t.Errorf("retries = %+v", sec.Retries)
			}
			if sec.Alerts == nil || len(sec.Alerts.Items) != 2 || sec.Task == nil || sec.Task.Error != "" {
				t.Errorf("alerts = %+v, task = %+v", sec.Alerts, sec.Task)
			}
		}},
		{"task status", qStatus, func(t *testing.T, sec report.MetricsSection) {
			if sec.Task == nil || sec.Task.Error != "the server failed (500)" || sec.Task.State != "" {
				t.Errorf("task = %+v", sec.Task)
			}
			if sec.Retries == nil || sec.Retries.Error != "" || sec.Alerts == nil || sec.Alerts.Error != "" {
				t.Errorf("retries = %+v, alerts = %+v", sec.Retries, sec.Alerts)
			}
		}},
		{"task errors", qErrors, func(t *testing.T, sec report.MetricsSection) {
			// The state (the verdict's evidence) stays; the errors are unread.
			if tf := sec.Task; tf == nil || tf.Error != "" || tf.State != report.TaskError || tf.Checkpoint == nil ||
				len(tf.Unread) != 1 || tf.Unread[0] != "errors: the server failed (500)" {
				t.Errorf("task = %+v", sec.Task)
			}
			if sec.Retries == nil || sec.Retries.Error != "" {
				t.Errorf("retries = %+v", sec.Retries)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			by := fullAnswers()
			by[c.fail] = answer{status: 500, body: "boom\n"}
			cl, a, _ := figuresClient(t, by)
			sec := cl.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true}, figuresNow)
			a.check()
			c.check(t, sec)
		})
	}
}

func TestFiguresPrometheusGone(t *testing.T) {
	// The probe passed; then every query fails: each part says so.
	fp := &fakeProm{t: t, answer: probeOnly(answer{status: 503, body: "down"})}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	o := Connect(context.Background(), Config{URL: srv.URL, Timeout: time.Second}, Kube{})
	if o.Client == nil {
		t.Fatalf("Connect = %+v", o)
	}
	sec := o.Client.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true}, figuresNow)
	for part, got := range map[string]string{"retries": sec.Retries.Error, "alerts": sec.Alerts.Error, "task": sec.Task.Error} {
		if got != "the server failed (503)" {
			t.Errorf("%s error = %q", part, got)
		}
	}
}

func TestFiguresScoped(t *testing.T) {
	by := fullAnswers()
	by[qStatus] = ok(
		sample{labelsKV("instance", "a-0", "task", "b", "tidb_cluster", "tidb-basic"), 0},
		sample{labelsKV("instance", "a-1", "task", "b", "tidb_cluster", "tidb-basic"), 0},
		sample{labelsKV("instance", "z-0", "task", "b", "tidb_cluster", "other-basic"), 2},
	)
	for _, q := range []string{qCheckpt, qMoved, qErrors, qFatal, qSafePoint} {
		delete(by, q)
	}
	sel := `{tidb_cluster="tidb-basic",task="b"}`
	on := ` and on (instance, tidb_cluster) tikv_log_backup_task_status` + sel
	by[`max(tidb_log_backup_last_checkpoint`+sel+`)`] = ok(sample{value: tso(figuresNow.Add(-time.Minute))})
	by[`max(tidb_log_backup_last_checkpoint`+sel+`) - max(tidb_log_backup_last_checkpoint`+sel+` offset 15m)`] = ok()
	by[`sum by (type) (increase(tikv_log_backup_errors[1h])`+on+`)`] = ok()
	by[`sum by (type) (increase(tikv_log_backup_fatal_errors[1h])`+on+`)`] = ok(sample{labelsKV("type", "fatal"), 1})
	by[`max(tikv_gcworker_autogc_safe_point`+on+`)`] = ok()

	// The task alerts are asked in the cluster's namespace.
	by[strings.ReplaceAll(qAlerts, `task="b",namespace="ns"`, `task="b",namespace="tidb"`)] = by[qAlerts]
	by[strings.ReplaceAll(qSince, `task="b",namespace="ns"`, `task="b",namespace="tidb"`)] = by[qSince]
	c, a, _ := figuresClient(t, by)
	sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, Cluster: "basic", ClusterNamespace: "tidb"}, figuresNow)
	a.check()
	tf := sec.Task
	if tf == nil || tf.Error != "" {
		t.Fatalf("task = %+v", tf)
	}
	if tf.Scope != `tidb_cluster="tidb-basic"` || tf.State != report.TaskRunning || len(tf.Stores) != 2 {
		t.Errorf("task = %+v, want the tidb-basic stores only", tf)
	}
	if tf.Advanced != nil || tf.Checkpoint == nil || tf.FatalErrors["fatal"] != 1 {
		t.Errorf("task = %+v", tf)
	}

	// Neither cluster is the backup's: the task part says to choose.
	c, a, _ = figuresClient(t, by)
	sec = c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, Cluster: "third"}, figuresNow)
	a.check()
	if sec.Task == nil || !strings.Contains(sec.Task.Error, "--task-labels") || sec.Retries == nil || sec.Retries.Error != "" {
		t.Errorf("task = %+v", sec.Task)
	}

	// --task-labels: in the status query, and the scope.
	by[`tikv_log_backup_task_status{tidb_cluster="tidb-basic",task="b"}`] = ok(
		sample{labelsKV("instance", "a-0", "task", "b", "tidb_cluster", "tidb-basic"), 0},
		sample{labelsKV("instance", "a-1", "task", "b", "tidb_cluster", "tidb-basic"), 1},
	)
	delete(by, qStatus)
	c, a, _ = figuresClient(t, by)
	sec = c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, TaskLabels: Matchers{{"tidb_cluster", "tidb-basic"}}}, figuresNow)
	a.check()
	if sec.Task == nil || sec.Task.Scope != `tidb_cluster="tidb-basic"` || sec.Task.Error != "" || sec.Task.State != report.TaskPaused {
		t.Errorf("task = %+v", sec.Task)
	}
}

func TestFiguresHostileNames(t *testing.T) {
	name := `b"} or vector(1) #`
	fp := &fakeProm{t: t, answer: probeOnly(ok())}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	o := Connect(context.Background(), Config{URL: srv.URL, Timeout: 5 * time.Second}, Kube{})
	if o.Client == nil {
		t.Fatalf("Connect = %+v", o)
	}
	o.Client.Figures(context.Background(), Target{Namespace: "ns", Name: name, Log: true, TaskLabels: Matchers{{"cluster", "x\"}\n"}}}, figuresNow)
	queries, _ := fp.seen()
	if len(queries) < 10 {
		t.Fatalf("only %d queries", len(queries))
	}
	for _, q := range queries {
		if strings.Contains(q, name) {
			t.Errorf("the name is in query %s unescaped", q)
		}
		if strings.Contains(q, "\n") {
			t.Errorf("query %q holds a raw newline", q)
		}
	}
	for _, want := range []string{`backup=` + Quote(name), `task=` + Quote(name), `cluster="x\"}\n"`} {
		if !slices.ContainsFunc(queries, func(q string) bool { return strings.Contains(q, want) }) {
			t.Errorf("no query holds %s: %q", want, queries)
		}
	}
}
