package exporter

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/logbackup/kubectl-logbackup/pkg/buildinfo"
)

// buildInfo is logbackup_exporter_build_info: which build serves the
// metrics, to join on when a rule or a dashboard changes between versions.
func buildInfo() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "logbackup_exporter_build_info",
		Help: "1, labelled with the version, commit and Go version of the kubectl-logbackup build serving these metrics."},
		[]string{"version", "commit", "goversion"})
	info := buildinfo.Read()
	g.WithLabelValues(info.Version, info.Commit, info.GoVersion).Set(1)
	return g
}
