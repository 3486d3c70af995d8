package tikvmetrics

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/test/promserver"
)

// A real Prometheus takes the scrape configs and gives each instance its
// own series, with the job and the extra labels.
func TestPrometheusScrapesTheTargets(t *testing.T) {
	c := Start(t, "127.0.0.1", 3)
	checkpoint := time.Now().Add(-2 * time.Minute)
	c.StartTask("pitr", checkpoint)
	labels := map[string]string{"namespace": "tidb-a", "cluster": "basic"}
	prom := promserver.Start(t, promserver.Options{
		Config: "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n" + c.ScrapeConfigs(labels) +
			// A second cluster in the same Prometheus: the job names differ.
			Start(t, "127.0.0.1", 1).ScrapeConfigs(map[string]string{"namespace": "tidb-b", "cluster": "basic"}),
		// Prometheus applies new targets every 5s (a hidden flag): the first
		// scrape would come 5 to 7 seconds after the start.
		Flags: []string{"--scrape.discovery-reload-interval=100ms"},
	})
	api := prom.API()
	vec := waitForSeries(t, api, `tikv_log_backup_task_status{namespace="tidb-a"}`, 3)
	var instances []string
	for _, s := range vec {
		m := s.Metric
		if m["job"] != "tikv" || m["cluster"] != "basic" || m["task"] != "pitr" || s.Value != 0 {
			t.Errorf("series %v = %v", m, s.Value)
		}
		instances = append(instances, string(m["instance"]))
	}
	slices.Sort(instances)
	want := c.TiKVTargets()
	slices.Sort(want)
	if !slices.Equal(instances, want) {
		t.Errorf("instances %v, want %v", instances, want)
	}
	// The checkpoint's seconds as PingCAP's RPO alert computes them.
	vec = waitForSeries(t, api, `max by (task) (tidb_log_backup_last_checkpoint{job="tidb",namespace="tidb-a"}) / 262144000`, 1)
	wantSeconds := float64(checkpoint.UnixMilli()) / 1000
	if got := float64(vec[0].Value); got < wantSeconds-0.001 || got > wantSeconds+0.001 {
		t.Errorf("checkpoint seconds %v, want %v", got, wantSeconds)
	}
	if !strings.HasPrefix(c.ScrapeConfigs(nil), "- job_name: tikv@") {
		t.Errorf("ScrapeConfigs:\n%s", c.ScrapeConfigs(nil))
	}
}

// waitForSeries waits until an instant query has n series.
func waitForSeries(t *testing.T, api promv1.API, q string, n int) model.Vector {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		v, _, _, err := api.Query(ctx, q, time.Now())
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if vec := v.(model.Vector); len(vec) == n {
			return vec
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v, want %d series", q, v, n)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
