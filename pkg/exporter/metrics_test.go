package exporter

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// The tracker's deltas become the seed's metrics: every series at 0 from
// the first observation, counters that only grow, and nothing left of a
// deleted backup.
func TestMetricsFromDeltas(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	tr := NewTracker()
	m.Apply(tr.Observe(bk("Running"), t0, false))
	if n := testutil.CollectAndCount(reg, MetricTotal); n != len(Reasons()) {
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
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), MetricTotal); err != nil {
		t.Error(err)
	}
	if v := testutil.ToFloat64(m.result.WithLabelValues("tidb", "x", "failure")); v != 1 {
		t.Errorf("failures %v", v)
	}
	if v := testutil.ToFloat64(m.current.WithLabelValues("tidb", "x")); v != 2 {
		t.Errorf("current %v", v)
	}
	s, _, _ := tr.Forget("u1")
	m.Delete(s)
	if n := testutil.CollectAndCount(reg); n != 0 {
		t.Errorf("%d series left of a deleted backup", n)
	}
}

// The info series follows the phase (one series per backup, never one per
// phase seen), the checkpoint gauge is Unix seconds, and values written by
// the cluster are made fit for a label.
func TestInfoSeries(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := NewMetrics(reg)
	tr := NewTracker()
	b := bk("Running")
	b.Mode, b.Cluster, b.ClusterNamespace = "log", "basic\xff"+strings.Repeat("c", 300), "tidb"
	b.CheckpointTS = backup.TSOFromTime(t0)
	m.Apply(tr.Observe(b, t0, false))
	b.Phase = "Failed"
	m.Apply(tr.Observe(b, t0, false))
	if n := testutil.CollectAndCount(reg, MetricInfo); n != 1 {
		t.Fatalf("%d info series, want 1", n)
	}
	cluster := "basic\uFFFD" + strings.Repeat("c", maxLabel-len("basic\uFFFD")) + "…"
	if v := testutil.ToFloat64(m.info.WithLabelValues("tidb", "x", backup.GroupV1, "log", cluster, "tidb", "Failed")); v != 1 {
		t.Errorf("info %v", v)
	}
	if v := testutil.ToFloat64(m.checkpoint.WithLabelValues("tidb", "x")); v != float64(t0.Unix()) {
		t.Errorf("checkpoint %v, want %d", v, t0.Unix())
	}
	b.CheckpointTS = ""
	m.Apply(tr.Observe(b, t0, false))
	if n := testutil.CollectAndCount(reg, MetricCheckpoint); n != 0 {
		t.Errorf("a checkpoint series is left without a checkpoint")
	}
}
