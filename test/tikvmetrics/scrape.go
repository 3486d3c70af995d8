package tikvmetrics

import (
	"maps"

	"sigs.k8s.io/yaml"
)

// ScrapeInterval is the scrape interval of ScrapeConfigs: short, so a test
// sees a change within seconds.
const ScrapeInterval = "1s"

type scrapeConfig struct {
	JobName        string         `json:"job_name"`
	ScrapeInterval string         `json:"scrape_interval"`
	ScrapeTimeout  string         `json:"scrape_timeout"`
	StaticConfigs  []staticConfig `json:"static_configs"`
}

type staticConfig struct {
	Targets []string          `json:"targets"`
	Labels  map[string]string `json:"labels"`
}

// ScrapeConfigs returns the entries of prometheus.yml's scrape_configs list
// (YAML, not indented, each starting with "- job_name:") that scrape the
// stores as job "tikv" and the TiDB server as job "tidb", every second,
// with labels added to every target: the ones a real setup's relabelling
// adds for the TiKV and TiDB pods, such as namespace and cluster.
//
// The job label comes from labels (job) too, not from job_name, which
// carries the TiDB address: so several Clusters can share one Prometheus
// (job names must be unique) and still all be job "tikv" and "tidb". A job
// in labels overrides both.
func (c *Cluster) ScrapeConfigs(labels map[string]string) string {
	job := func(name string, targets []string) scrapeConfig {
		l := map[string]string{"job": name}
		maps.Copy(l, labels)
		return scrapeConfig{
			JobName:        name + "@" + c.tidb.addr,
			ScrapeInterval: ScrapeInterval,
			ScrapeTimeout:  ScrapeInterval,
			StaticConfigs:  []staticConfig{{Targets: targets, Labels: l}},
		}
	}
	out, err := yaml.Marshal([]scrapeConfig{job("tikv", c.TiKVTargets()), job("tidb", []string{c.tidb.addr})})
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	return string(out)
}
