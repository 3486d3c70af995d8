package exporter

import (
	"cmp"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// familyNames are the gathered families, in name order.
func familyNames() []string {
	names := []string{MetricCurrent, MetricTotal, MetricResult, MetricDuration, MetricExhausted, MetricTimeout, MetricInfo, MetricCheckpoint}
	slices.Sort(names)
	return names
}

// Gather builds every family (prometheus.Gatherer). The exporter's
// handler does not use it: it builds and writes one family at a time
// (Family), so a scrape holds one family's samples, not all of them.
func (m *Metrics) Gather() ([]*dto.MetricFamily, error) {
	var fams []*dto.MetricFamily
	for _, name := range familyNames() {
		if f := m.Family(name); f != nil {
			fams = append(fams, f)
		}
	}
	return fams, nil
}

// Family builds one family's samples, in order of namespace and name; nil
// when it has none (as a client vector without series is not exposed).
// Label pairs are shared between samples and the samples are allocated in
// a few blocks, not as a million small objects.
func (m *Metrics) Family(name string) *dto.MetricFamily {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := m.inOrder()
	n := len(all)
	gauge, counter := dto.MetricType_GAUGE.Enum(), dto.MetricType_COUNTER.Enum()
	fam := func(name, help string, t *dto.MetricType, metrics []*dto.Metric) *dto.MetricFamily {
		if len(metrics) == 0 {
			return nil
		}
		return &dto.MetricFamily{Name: ptr(name), Help: ptr(help), Type: t, Metric: metrics}
	}
	// simple is one sample per backup (and per value of an extra label).
	simple := func(per int, value func(s *backupSeries, j int) float64, extra func(j int) *dto.LabelPair, isCounter bool) []*dto.Metric {
		ms := make([]dto.Metric, n*per)
		vals := make([]float64, n*per)
		var gs []dto.Gauge
		var cs []dto.Counter
		if isCounter {
			cs = make([]dto.Counter, n*per)
		} else {
			gs = make([]dto.Gauge, n*per)
		}
		width := 2
		if extra != nil {
			width = 3
		}
		labels := make([]*dto.LabelPair, n*per*width)
		out := make([]*dto.Metric, n*per)
		for i, s := range all {
			for j := range per {
				k := i*per + j
				l := labels[k*width : k*width+width : k*width+width]
				l[0], l[1] = s.name, s.ns // sorted by name: backup, namespace, then the extra label
				if extra != nil {
					l[2] = extra(j)
				}
				ms[k].Label = l
				vals[k] = value(s, j)
				if isCounter {
					cs[k].Value = &vals[k]
					ms[k].Counter = &cs[k]
				} else {
					gs[k].Value = &vals[k]
					ms[k].Gauge = &gs[k]
				}
				out[k] = &ms[k]
			}
		}
		return out
	}
	reasons, results := Reasons(), Results()
	switch name {
	case MetricCurrent:
		return fam(name, helpCurrent, gauge, simple(1, func(s *backupSeries, _ int) float64 { return s.current }, nil, false))
	case MetricTotal:
		return fam(name, helpTotal, counter, simple(len(reasons), func(s *backupSeries, j int) float64 { return s.total[j] },
			func(j int) *dto.LabelPair {
				return &dto.LabelPair{Name: m.names["reason"], Value: m.values[reasons[j]]}
			}, true))
	case MetricResult:
		return fam(name, helpResult, counter, simple(len(results), func(s *backupSeries, j int) float64 { return s.result[j] },
			func(j int) *dto.LabelPair {
				return &dto.LabelPair{Name: m.names["result"], Value: m.values[results[j]]}
			}, true))
	case MetricDuration:
		return fam(name, helpDuration, dto.MetricType_HISTOGRAM.Enum(), m.histograms(all))
	case MetricExhausted:
		return fam(name, helpExhausted, counter, simple(1, func(s *backupSeries, _ int) float64 { return s.exhausted }, nil, true))
	case MetricTimeout:
		return fam(name, helpTimeout, counter, simple(1, func(s *backupSeries, _ int) float64 { return s.timeout }, nil, true))
	case MetricInfo:
		return fam(name, helpInfo, gauge, m.infos(all))
	case MetricCheckpoint:
		return fam(name, helpCheckpoint, gauge, m.checkpoints(all))
	}
	return nil
}

// inOrder is every series by namespace and name, sorted once for all the
// families of a scrape (and the scrapes after it, until a backup comes or
// goes). Called with mu held.
func (m *Metrics) inOrder() []*backupSeries {
	if m.sorted == nil {
		keys := make([]Series, 0, len(m.series))
		for k := range m.series {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b Series) int {
			return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Backup, b.Backup))
		})
		m.sorted = make([]*backupSeries, len(keys))
		for i, k := range keys {
			m.sorted[i] = m.series[k]
		}
	}
	return m.sorted
}

func (m *Metrics) checkpoints(all []*backupSeries) []*dto.Metric {
	var cps []*backupSeries
	for _, s := range all {
		if s.has {
			cps = append(cps, s)
		}
	}
	ms := make([]dto.Metric, len(cps))
	gs := make([]dto.Gauge, len(cps))
	vals := make([]float64, len(cps)) // copies: the samples are encoded after the lock is released
	out := make([]*dto.Metric, len(cps))
	for i, s := range cps {
		vals[i] = s.checkpoint
		gs[i].Value = &vals[i]
		ms[i] = dto.Metric{Label: []*dto.LabelPair{s.name, s.ns}, Gauge: &gs[i]}
		out[i] = &ms[i]
	}
	return out
}

func (m *Metrics) histograms(all []*backupSeries) []*dto.Metric {
	nb := len(m.buckets)
	ms := make([]dto.Metric, len(all))
	hs := make([]dto.Histogram, len(all))
	bs := make([]dto.Bucket, len(all)*nb)
	bps := make([]*dto.Bucket, len(all)*nb)
	cum := make([]uint64, len(all)*nb)
	counts := make([]uint64, len(all))
	sums := make([]float64, len(all))
	out := make([]*dto.Metric, len(all))
	for i, s := range all {
		var c uint64
		for j := range nb {
			k := i*nb + j
			c += s.buckets[j]
			cum[k] = c
			bs[k] = dto.Bucket{CumulativeCount: &cum[k], UpperBound: &m.buckets[j]}
			bps[k] = &bs[k]
		}
		counts[i], sums[i] = s.count, s.sum
		hs[i] = dto.Histogram{SampleCount: &counts[i], SampleSum: &sums[i], Bucket: bps[i*nb : (i+1)*nb : (i+1)*nb]}
		ms[i] = dto.Metric{Label: []*dto.LabelPair{s.name, s.ns}, Histogram: &hs[i]}
		out[i] = &ms[i]
	}
	return out
}

func (m *Metrics) infos(all []*backupSeries) []*dto.Metric {
	ms := make([]dto.Metric, len(all))
	gs := make([]dto.Gauge, len(all))
	one := 1.0
	out := make([]*dto.Metric, len(all))
	for i, s := range all {
		// Sorted by label name: backup, cluster, cluster_namespace, group,
		// mode, namespace, phase.
		l := []*dto.LabelPair{s.name, s.info[2], s.info[3], s.info[0], s.info[1], s.ns, s.info[4]}
		gs[i].Value = &one
		ms[i] = dto.Metric{Label: l, Gauge: &gs[i]}
		out[i] = &ms[i]
	}
	return out
}

const (
	helpCurrent    = "Retry records of a backup that is still retrying (0 once it completes, fails for good, or is reset)."
	helpTotal      = "Retry records seen, each counted once, by a fixed vocabulary of reasons."
	helpResult     = "Results of retries that ran: success (Running or Complete after it), failure (a new failure or Failed after it)."
	helpDuration   = "realRetryAt minus detectFailedAt of each retry that ran."
	helpExhausted  = "Backups that failed because their retry count ran out."
	helpTimeout    = "Backups that failed because their retry timeout ran out."
	helpInfo       = "1 for each backup: its API group, mode, the TiDB cluster it backs up and its phase."
	helpCheckpoint = "A log backup's status.logCheckpointTs as Unix time (absent while it has none)."
)

// descs registers the names of the gathered families in the registry, so
// that another collector of the same name is refused at the start; it
// collects nothing (the samples come from Metrics.Gather).
type descs struct{}

func (descs) Describe(ch chan<- *prometheus.Desc) {
	series := []string{"namespace", "backup"}
	for _, d := range []struct {
		name, help string
		labels     []string
	}{
		{MetricCurrent, helpCurrent, series}, {MetricTotal, helpTotal, append(series, "reason")},
		{MetricResult, helpResult, append(series, "result")}, {MetricDuration, helpDuration, series},
		{MetricExhausted, helpExhausted, series}, {MetricTimeout, helpTimeout, series},
		{MetricInfo, helpInfo, append(series, "group", "mode", "cluster", "cluster_namespace", "phase")},
		{MetricCheckpoint, helpCheckpoint, series},
	} {
		ch <- prometheus.NewDesc(d.name, d.help, d.labels, nil)
	}
}

func (descs) Collect(chan<- prometheus.Metric) {}
