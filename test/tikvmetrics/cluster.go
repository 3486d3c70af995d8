package tikvmetrics

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Cluster is the metrics side of one TiDB cluster: a TiDB server and some
// TiKV stores, each serving /metrics on its own address. Its methods are safe
// for concurrent use with the scrapes.
type Cluster struct {
	t      testing.TB
	stores []*store
	tidb   *tidbServer

	mu          sync.Mutex
	checkpoints map[string]time.Time // by task, as TiDB last exported them
	safePoint   time.Time
}

// store is one TiKV store's log backup metrics.
type store struct {
	addr        string
	taskStatus  *prometheus.GaugeVec   // tikv_log_backup_task_status{task}
	errors      *prometheus.CounterVec // tikv_log_backup_errors{type}
	fatalErrors *prometheus.CounterVec // tikv_log_backup_fatal_errors{type}
	enabled     prometheus.Counter     // tikv_log_backup_enabled
	safePoint   prometheus.Gauge       // tikv_gcworker_autogc_safe_point
}

// tidbServer is the TiDB server's log backup metric.
type tidbServer struct {
	addr       string
	checkpoint *prometheus.GaugeVec // tidb_log_backup_last_checkpoint{task}
}

// gcLifeTime is TiDB's default tidb_gc_life_time: a live cluster's GC safe
// point trails the present by about that much.
const gcLifeTime = 10 * time.Minute

// Start serves the metrics of a TiDB server and of stores TiKV stores, each
// on a free port of host (an address that the scraping Prometheus reaches:
// 127.0.0.1, or the host end of a netns pair for a Prometheus inside it).
// Log backup is enabled on every store, no task runs, and the GC safe point
// is ten minutes ago (TiDB's default GC life time). The servers stop when the
// test ends.
func Start(t testing.TB, host string, stores int) *Cluster {
	t.Helper()
	if stores < 1 {
		t.Fatalf("tikvmetrics: %d stores: a TiDB cluster has at least one TiKV store", stores)
	}
	c := &Cluster{t: t, checkpoints: map[string]time.Time{}, safePoint: time.Now().Add(-gcLifeTime).Truncate(time.Millisecond)}
	for range stores {
		reg := prometheus.NewRegistry()
		s := &store{
			taskStatus: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tikv_log_backup_task_status",
				Help: "The state of a log backup task on this store: 0 running, 1 paused, 2 error."}, []string{"task"}),
			errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tikv_log_backup_errors",
				Help: "Retryable or ignorable log backup errors, by type."}, []string{"type"}),
			fatalErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tikv_log_backup_fatal_errors",
				Help: "Log backup errors that paused the task, by type."}, []string{"type"}),
			enabled: prometheus.NewCounter(prometheus.CounterOpts{Name: "tikv_log_backup_enabled",
				Help: "Above zero when log backup is enabled on this store."}),
			safePoint: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tikv_gcworker_autogc_safe_point",
				Help: "The GC safe point, as a TSO."}),
		}
		reg.MustRegister(s.taskStatus, s.errors, s.fatalErrors, s.enabled, s.safePoint)
		s.enabled.Inc()
		s.safePoint.Set(float64(TSO(c.safePoint)))
		s.addr = serve(t, host, reg)
		c.stores = append(c.stores, s)
	}
	reg := prometheus.NewRegistry()
	c.tidb = &tidbServer{checkpoint: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tidb_log_backup_last_checkpoint",
		Help: "The global checkpoint of a log backup task, as a TSO."}, []string{"task"})}
	reg.MustRegister(c.tidb.checkpoint)
	c.tidb.addr = serve(t, host, reg)
	return c
}

// serve answers /metrics from reg on a free port of host until the test
// ends, and returns the address.
func serve(t testing.TB, host string, reg *prometheus.Registry) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("tikvmetrics: %v", err)
	}
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		// TiKV and TiDB answer in the text format whatever the scraper
		// accepts; without an Accept header promhttp does too. (Prometheus
		// 3 asks for protobuf first.)
		r.Header.Del("Accept")
		metrics.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("tikvmetrics: serving %s: %v", l.Addr(), err)
		}
	})
	return l.Addr().String()
}

// Stores is the number of TiKV stores.
func (c *Cluster) Stores() int { return len(c.stores) }

// TiKVTargets are the stores' addresses (host:port), by store index.
func (c *Cluster) TiKVTargets() []string {
	out := make([]string, len(c.stores))
	for i, s := range c.stores {
		out[i] = s.addr
	}
	return out
}

// TiDBTarget is the TiDB server's address (host:port).
func (c *Cluster) TiDBTarget() string { return c.tidb.addr }
