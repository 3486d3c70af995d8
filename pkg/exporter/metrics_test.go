package exporter

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// text is the exposition of what g gathers, after client_golang's own
// checks (prometheus.Gatherers refuses duplicates and invalid samples)
// and ordering.
func text(t *testing.T, g prometheus.Gatherer) string {
	t.Helper()
	fams, err := prometheus.Gatherers{g}.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := expfmt.NewEncoder(&b, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range fams {
		if err := enc.Encode(f); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// sample is one sample's value in the exposition ("" when absent).
func sample(t *testing.T, g prometheus.Gatherer, name, labels string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+labels) + ` (\S+)$`).FindStringSubmatch(text(t, g))
	if m == nil {
		return ""
	}
	return m[1]
}

// The tracker's deltas become the seed's metrics: every series at 0 from
// the first observation, counters that only grow, and nothing left of a
// deleted backup.
func TestMetricsFromDeltas(t *testing.T) {
	m := NewMetrics(prometheus.NewPedanticRegistry())
	tr := NewTracker()
	m.Apply(tr.Observe(bk("Running"), t0, false))
	if n := strings.Count(text(t, m), MetricTotal+"{"); n != len(Reasons()) {
		t.Errorf("%d retry_total series at the start, want one per reason (%d)", n, len(Reasons()))
	}
	for _, b := range []*backup.Backup{
		bk("Scheduled", rec(1, false)),
		bk("RetryFailed", rec(1, true)),
		bk("Scheduled", rec(1, true), rec(2, false)),
	} {
		m.Apply(tr.Observe(b, t0, false))
	}
	want := `
# HELP tidb_operator_log_backup_retry_total Retry records seen, each counted once, by a fixed vocabulary of reasons.
# TYPE tidb_operator_log_backup_retry_total counter
tidb_operator_log_backup_retry_total{backup="x",namespace="tidb",reason="DeadlineExceeded"} 0
tidb_operator_log_backup_retry_total{backup="x",namespace="tidb",reason="Evicted"} 0
tidb_operator_log_backup_retry_total{backup="x",namespace="tidb",reason="JobFailed"} 2
tidb_operator_log_backup_retry_total{backup="x",namespace="tidb",reason="OOMKilled"} 0
tidb_operator_log_backup_retry_total{backup="x",namespace="tidb",reason="Other"} 0
tidb_operator_log_backup_retry_total{backup="x",namespace="tidb",reason="PodFailed"} 0
`
	if err := testutil.GatherAndCompare(m, strings.NewReader(want), MetricTotal); err != nil {
		t.Error(err)
	}
	if v := sample(t, m, MetricResult, `{backup="x",namespace="tidb",result="failure"}`); v != "1" {
		t.Errorf("failures %v", v)
	}
	if v := sample(t, m, MetricCurrent, `{backup="x",namespace="tidb"}`); v != "2" {
		t.Errorf("current %v", v)
	}
	if v := sample(t, m, MetricDuration+"_bucket", `{backup="x",namespace="tidb",le="300"}`); v != "1" {
		t.Errorf("the retry that ran after 5 minutes: le=300 bucket %q", v)
	}
	s, _, _ := tr.Forget("u1")
	m.Delete(s)
	if out := text(t, m); out != "" {
		t.Errorf("series left of a deleted backup:\n%s", out)
	}
}

// The gatherer builds its samples by hand, for speed; the same deltas fed
// to client_golang's own vectors must give the very same exposition.
func TestGatherEqualsClientVectors(t *testing.T) {
	m := NewMetrics(nil)
	ref := prometheus.NewRegistry()
	series := []string{"namespace", "backup"}
	current := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricCurrent, Help: helpCurrent}, series)
	total := prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricTotal, Help: helpTotal}, append(series, "reason"))
	result := prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricResult, Help: helpResult}, append(series, "result"))
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: MetricDuration, Help: helpDuration, Buckets: durationBuckets()}, series)
	exhausted := prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricExhausted, Help: helpExhausted}, series)
	timeout := prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricTimeout, Help: helpTimeout}, series)
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricInfo, Help: helpInfo}, append(series, "group", "mode", "cluster", "cluster_namespace", "phase"))
	checkpoint := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricCheckpoint, Help: helpCheckpoint}, series)
	ref.MustRegister(current, total, result, duration, exhausted, timeout, info, checkpoint)

	cp := t0.Add(-time.Minute)
	steps := []Deltas{
		{Series: Series{"tidb", "b"}, Current: 1, Retries: []string{ReasonOOMKilled}, Info: Info{Group: backup.GroupV2, Mode: "log", Cluster: "c1", ClusterNamespace: "tidb", Phase: "Running"}, Checkpoint: &cp},
		{Series: Series{"a-ns", "z"}, Retries: []string{ReasonJobFailed, ReasonJobFailed}, Durations: []time.Duration{5 * time.Minute, 3 * time.Hour, 9 * time.Hour}, Failures: 1, Successes: 1, Exhausted: true, Info: Info{Group: backup.GroupV1, Mode: "snapshot", Phase: "Failed"}},
		{Series: Series{"tidb", "a"}, TimedOut: true, Info: Info{Group: backup.GroupV1, Mode: "snapshot", Phase: "Failed"}},
	}
	for _, d := range steps {
		m.Apply(d)
		ns, name := d.Series.Namespace, d.Series.Backup
		current.WithLabelValues(ns, name).Set(float64(d.Current))
		for _, r := range Reasons() {
			total.WithLabelValues(ns, name, r)
		}
		for _, r := range d.Retries {
			total.WithLabelValues(ns, name, r).Inc()
		}
		result.WithLabelValues(ns, name, "success").Add(float64(d.Successes))
		result.WithLabelValues(ns, name, "failure").Add(float64(d.Failures))
		h := duration.WithLabelValues(ns, name)
		for _, x := range d.Durations {
			h.Observe(x.Seconds())
		}
		e, o := exhausted.WithLabelValues(ns, name), timeout.WithLabelValues(ns, name)
		if d.Exhausted {
			e.Inc()
		}
		if d.TimedOut {
			o.Inc()
		}
		info.WithLabelValues(ns, name, d.Info.Group, d.Info.Mode, d.Info.Cluster, d.Info.ClusterNamespace, d.Info.Phase).Set(1)
		if d.Checkpoint != nil {
			checkpoint.WithLabelValues(ns, name).Set(float64(d.Checkpoint.Unix()))
		}
	}
	if got, want := text(t, m), text(t, ref); got != want {
		t.Errorf("the gatherer's exposition differs from client_golang's:\n--- got\n%s\n--- want\n%s", got, want)
	}
}

// The info series follows the phase (one series per backup, never one per
// phase seen), the checkpoint gauge is Unix seconds, and values written by
// the cluster are made fit for a label.
func TestInfoSeries(t *testing.T) {
	m := NewMetrics(nil)
	tr := NewTracker()
	b := bk("Running")
	b.Mode, b.Cluster, b.ClusterNamespace = "log", "basic\xff"+strings.Repeat("c", 300), "tidb"
	b.CheckpointTS = backup.TSOFromTime(t0)
	m.Apply(tr.Observe(b, t0, false))
	b.Phase = "Failed"
	m.Apply(tr.Observe(b, t0, false))
	if n := strings.Count(text(t, m), MetricInfo+"{"); n != 1 {
		t.Fatalf("%d info series, want 1", n)
	}
	cluster := "basic\uFFFD" + strings.Repeat("c", maxLabel-len("basic\uFFFD")) + "…"
	if v := sample(t, m, MetricInfo, `{backup="x",cluster="`+cluster+`",cluster_namespace="tidb",group="pingcap.com",mode="log",namespace="tidb",phase="Failed"}`); v != "1" {
		t.Errorf("info %q", v)
	}
	if v, err := strconv.ParseFloat(sample(t, m, MetricCheckpoint, `{backup="x",namespace="tidb"}`), 64); err != nil || v != float64(t0.Unix()) {
		t.Errorf("checkpoint %v (%v), want %d", v, err, t0.Unix())
	}
	b.CheckpointTS = ""
	m.Apply(tr.Observe(b, t0, false))
	if strings.Contains(text(t, m), MetricCheckpoint) {
		t.Errorf("a checkpoint series is left without a checkpoint")
	}
}

// The gathered names are held in the registry: another collector of one
// of them is refused when it registers.
func TestNamesAreRegistered(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg)
	err := reg.Register(prometheus.NewGauge(prometheus.GaugeOpts{Name: MetricCurrent, Help: "x"}))
	if err == nil {
		t.Error("a second collector of retry_current was accepted")
	}
}
