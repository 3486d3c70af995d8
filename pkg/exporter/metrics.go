package exporter

import (
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// The seed's six metric names, exactly (monitoring/ queries them).
const (
	MetricCurrent   = "tidb_operator_log_backup_retry_current"
	MetricTotal     = "tidb_operator_log_backup_retry_total"
	MetricResult    = "tidb_operator_log_backup_retry_result_total"
	MetricDuration  = "tidb_operator_log_backup_retry_duration_seconds"
	MetricExhausted = "tidb_operator_log_backup_retry_exhausted_total"
	MetricTimeout   = "tidb_operator_log_backup_retry_timeout_total"

	// Beside the six, for joins and alerts: what each backup is, and a log
	// backup's checkpoint.
	MetricInfo       = "tidb_operator_log_backup_info"
	MetricCheckpoint = "tidb_operator_log_backup_checkpoint_timestamp_seconds"

	// MetricBackups is the exporter's own count of the backups it follows:
	// the rules tell "nothing to export" from "no exporter" with it.
	MetricBackups = "logbackup_exporter_backups"
)

// maxLabel bounds a label value taken from a spec or status: the cluster
// writes them, and one huge value would be in every scrape.
const maxLabel = 253

// Reasons is retry_total's vocabulary; every backup has a series of each
// at 0, so increase() sees a backup's first retry. In label order, as a
// scrape lists them.
func Reasons() []string {
	return []string{ReasonDeadlineExceeded, ReasonEvicted, ReasonJobFailed, ReasonOOMKilled, ReasonOther, ReasonPodFailed}
}

// Results is retry_result_total's vocabulary, in label order.
func Results() []string { return []string{ResultFailure, ResultSuccess} }

// The results of a retry.
const (
	ResultFailure = "failure"
	ResultSuccess = "success"
)

// durationBuckets: the controller doubles minRetryDuration (300 s by
// default) from one retry to the next, so the buckets follow the doubling
// from a minute to four hours.
func durationBuckets() []float64 { return []float64{60, 300, 600, 1200, 2400, 4800, 9600, 14400} }

// Metrics hold the retry metrics of every backup in one small struct per
// backup and build the samples only when Prometheus scrapes (Gather).
// With 10,000 backups there are about 250,000 samples: kept as client
// vectors they cost hundreds of megabytes and a second per scrape; kept
// here they cost a few hundred bytes per backup.
type Metrics struct {
	mu     sync.Mutex
	series map[Series]*backupSeries
	// sorted is every series in order of namespace and name, for the
	// scrape; nil when a backup came or went since it was made.
	sorted  []*backupSeries
	buckets []float64
	// The label names and the fixed label values, shared by every sample.
	names  map[string]*string
	values map[string]*string
}

// backupSeries is one backup's metrics.
type backupSeries struct {
	ns, name  *dto.LabelPair
	current   float64
	total     [6]float64 // by Reasons()
	result    [2]float64 // by Results()
	buckets   []uint64   // per bucket, not cumulative
	sum       float64
	count     uint64
	exhausted float64
	timeout   float64
	info      []*dto.LabelPair // group, mode, cluster, cluster_namespace, phase (after ns and name)
	infoKey   [5]string
	// checkpoint is a log backup's checkpoint in Unix seconds; has says
	// whether it has one.
	checkpoint float64
	has        bool
}

// NewMetrics makes the metrics and registers their gatherer's
// descriptions in reg (so a name clash with another collector fails at
// the start, as with client vectors). Serve them with Gatherers(reg).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{series: map[Series]*backupSeries{}, buckets: durationBuckets(), names: map[string]*string{}, values: map[string]*string{}}
	for _, n := range []string{"namespace", "backup", "reason", "result", "le", "group", "mode", "cluster", "cluster_namespace", "phase"} {
		m.names[n] = ptr(n)
	}
	for _, v := range append(Reasons(), Results()...) {
		m.values[v] = ptr(v)
	}
	if reg != nil {
		reg.MustRegister(descs{})
	}
	return m
}

// Apply adds one observation's deltas; every series of the backup exists
// afterwards, at 0 when nothing happened.
func (m *Metrics) Apply(d Deltas) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.series[d.Series]
	if s == nil {
		s = &backupSeries{ns: m.pair("namespace", d.Series.Namespace), name: m.pair("backup", d.Series.Backup), buckets: make([]uint64, len(m.buckets))}
		m.series[d.Series] = s
		m.sorted = nil
	}
	s.current = float64(d.Current)
	for _, r := range d.Retries {
		i := slices.Index(Reasons(), r)
		if i < 0 {
			i = slices.Index(Reasons(), ReasonOther)
		}
		s.total[i]++
	}
	s.result[slices.Index(Results(), ResultSuccess)] += float64(d.Successes)
	s.result[slices.Index(Results(), ResultFailure)] += float64(d.Failures)
	for _, dur := range d.Durations {
		v := dur.Seconds()
		if i, _ := slices.BinarySearch(m.buckets, v); i < len(m.buckets) {
			s.buckets[i]++
		}
		s.sum += v
		s.count++
	}
	if d.Exhausted {
		s.exhausted++
	}
	if d.TimedOut {
		s.timeout++
	}
	key := [5]string{d.Info.Group, label(d.Info.Mode), label(d.Info.Cluster), label(d.Info.ClusterNamespace), label(d.Info.Phase)}
	if s.info == nil || key != s.infoKey {
		s.infoKey = key
		s.info = []*dto.LabelPair{m.pair("group", key[0]), m.pair("mode", key[1]), m.pair("cluster", key[2]), m.pair("cluster_namespace", key[3]), m.pair("phase", key[4])}
	}
	s.has = d.Checkpoint != nil
	if s.has {
		s.checkpoint = float64(d.Checkpoint.UnixMilli()) / 1000
	}
}

// Delete removes every series of a deleted backup.
func (m *Metrics) Delete(s Series) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.series[s]; ok {
		delete(m.series, s)
		m.sorted = nil
	}
}

// pair is a label pair; names and the fixed values are shared.
func (m *Metrics) pair(name, value string) *dto.LabelPair {
	v, ok := m.values[value]
	if !ok {
		v = ptr(value)
	}
	return &dto.LabelPair{Name: m.names[name], Value: v}
}

// label makes a value from the cluster fit for a label: valid UTF-8
// (Prometheus refuses anything else) and bounded.
func label(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	if len(v) > maxLabel {
		v = strings.ToValidUTF8(v[:maxLabel], "") + "…"
	}
	return v
}

func ptr[T any](v T) *T { return &v }
