package exporter

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
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
)

// maxLabel bounds a label value taken from a spec or status: the cluster
// writes them, and one huge value would be in every scrape.
const maxLabel = 253

// Reasons is retry_total's vocabulary; every backup has a series of each
// at 0, so increase() sees a backup's first retry.
func Reasons() []string {
	return []string{ReasonJobFailed, ReasonPodFailed, ReasonOOMKilled, ReasonEvicted, ReasonDeadlineExceeded, ReasonOther}
}

// Results is retry_result_total's vocabulary.
func Results() []string { return []string{"success", "failure"} }

// Metrics are the retry metrics in one registry.
type Metrics struct {
	current   *prometheus.GaugeVec
	total     *prometheus.CounterVec
	result    *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	exhausted *prometheus.CounterVec
	timeout   *prometheus.CounterVec

	info       *prometheus.GaugeVec
	checkpoint *prometheus.GaugeVec
	// infoOf: the info labels a series shows now, so a change of phase
	// replaces its info series instead of adding one.
	infoOf map[Series][]string
}

// NewMetrics registers the metrics in reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	series := []string{"namespace", "backup"}
	m := &Metrics{
		current: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricCurrent,
			Help: "Retry records of a backup that is still retrying (0 once it completes, fails for good, or is reset)."}, series),
		total: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricTotal,
			Help: "Retry records seen, each counted once, by a fixed vocabulary of reasons."}, append(series, "reason")),
		result: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricResult,
			Help: "Results of retries that ran: success (Running or Complete after it), failure (a new failure or Failed after it)."}, append(series, "result")),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: MetricDuration,
			Help:    "realRetryAt minus detectFailedAt of each retry that ran.",
			Buckets: []float64{30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400}}, series),
		exhausted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricExhausted,
			Help: "Backups that failed because their retry count ran out."}, series),
		timeout: prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricTimeout,
			Help: "Backups that failed because their retry timeout ran out."}, series),
		info: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricInfo,
			Help: "1 for each backup: its API group, mode, the TiDB cluster it backs up and its phase."},
			append(series, "group", "mode", "cluster", "cluster_namespace", "phase")),
		checkpoint: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricCheckpoint,
			Help: "A log backup's status.logCheckpointTs as Unix time (absent while it has none)."}, series),
		infoOf: map[Series][]string{},
	}
	reg.MustRegister(m.current, m.total, m.result, m.duration, m.exhausted, m.timeout, m.info, m.checkpoint)
	return m
}

// Apply adds one observation's deltas; every series of the backup exists
// afterwards, at 0 when nothing happened.
func (m *Metrics) Apply(d Deltas) {
	ns, name := d.Series.Namespace, d.Series.Backup
	m.current.WithLabelValues(ns, name).Set(float64(d.Current))
	for _, r := range Reasons() {
		m.total.WithLabelValues(ns, name, r)
	}
	for _, r := range d.Retries {
		m.total.WithLabelValues(ns, name, r).Inc()
	}
	m.result.WithLabelValues(ns, name, "success").Add(float64(d.Successes))
	m.result.WithLabelValues(ns, name, "failure").Add(float64(d.Failures))
	h := m.duration.WithLabelValues(ns, name)
	for _, dur := range d.Durations {
		h.Observe(dur.Seconds())
	}
	ex, to := m.exhausted.WithLabelValues(ns, name), m.timeout.WithLabelValues(ns, name)
	if d.Exhausted {
		ex.Inc()
	}
	if d.TimedOut {
		to.Inc()
	}
	info := []string{ns, name, d.Info.Group, label(d.Info.Mode), label(d.Info.Cluster), label(d.Info.ClusterNamespace), label(d.Info.Phase)}
	if old, ok := m.infoOf[d.Series]; !ok || !slices.Equal(old, info) {
		if ok {
			m.info.DeleteLabelValues(old...)
		}
		m.info.WithLabelValues(info...).Set(1)
		m.infoOf[d.Series] = info
	}
	if d.Checkpoint != nil {
		m.checkpoint.WithLabelValues(ns, name).Set(float64(d.Checkpoint.UnixMilli()) / 1000)
	} else {
		m.checkpoint.DeleteLabelValues(ns, name)
	}
}

// label makes a value from the cluster fit for a label: valid UTF-8
// (client_golang refuses anything else) and bounded.
func label(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	if len(v) > maxLabel {
		v = strings.ToValidUTF8(v[:maxLabel], "") + "…"
	}
	return v
}

// Delete removes every series of a deleted backup.
func (m *Metrics) Delete(s Series) {
	labels := prometheus.Labels{"namespace": s.Namespace, "backup": s.Backup}
	m.current.DeletePartialMatch(labels)
	m.total.DeletePartialMatch(labels)
	m.result.DeletePartialMatch(labels)
	m.duration.DeletePartialMatch(labels)
	m.exhausted.DeletePartialMatch(labels)
	m.timeout.DeletePartialMatch(labels)
	m.info.DeletePartialMatch(labels)
	m.checkpoint.DeletePartialMatch(labels)
	delete(m.infoOf, s)
}
