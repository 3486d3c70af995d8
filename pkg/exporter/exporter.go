package exporter

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/cache"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// Options of the exporter.
type Options struct {
	Namespace string // "" = all namespaces
	APIGroup  string // one group only; "" = every group served
	Now       func() time.Time
}

// Exporter follows the backups of both groups through informers (over
// slimmed objects) and keeps the retry metrics.
type Exporter struct {
	o       Options
	reg     *prometheus.Registry
	metrics *Metrics
	// mu orders the tracker and the metrics: the informers of the two
	// groups hand over objects on their own goroutines.
	mu      sync.Mutex
	tracker *Tracker
	ready   atomic.Bool

	watchErrors *prometheus.CounterVec
	up          *prometheus.GaugeVec
}

// New builds the exporter and its registry: the retry metrics, its own
// health (watch errors, whether each group's watch is up), Go and process
// metrics.
func New(o Options) *Exporter {
	if o.Now == nil {
		o.Now = time.Now
	}
	reg := prometheus.NewRegistry()
	e := &Exporter{o: o, reg: reg, metrics: NewMetrics(reg), tracker: NewTracker(),
		watchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "logbackup_exporter_watch_errors_total",
			Help: "Errors of the watches of backups, by API group."}, []string{"group"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "logbackup_exporter_watch_up",
			Help: "1 while the watch of backups of an API group works, 0 while it is failing (the metrics then hold the last state seen)."}, []string{"group"}),
	}
	reg.MustRegister(e.watchErrors, e.up, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return e
}

// Handler serves /metrics, /healthz and /readyz (ready once every
// informer has its first list).
func (e *Exporter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !e.ready.Load() {
			http.Error(w, "informers not synced yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}

// Run discovers the groups, runs their informers and blocks until ctx
// ends. clients must come from Session.StreamClients (no client timeout).
func (e *Exporter) Run(ctx context.Context, clients backupapi.Clients) error {
	apis, err := backupapi.Discover(ctx, clients.Kube.Discovery().RESTClient(), e.o.APIGroup)
	if err != nil {
		return err
	}
	var synced []cache.InformerSynced
	var wg sync.WaitGroup
	for _, api := range apis {
		inf := cache.NewSharedIndexInformer(backupapi.ListWatch(clients.Dynamic, api, e.o.Namespace), &unstructured.Unstructured{}, 0, cache.Indexers{})
		_ = inf.SetTransform(backupapi.Slim)
		e.up.WithLabelValues(api.Group).Set(1)
		_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
			if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) || err == io.EOF || ctx.Err() != nil {
				return // the normal life of a watch: the informer lists again
			}
			e.watchErrors.WithLabelValues(api.Group).Inc()
			e.up.WithLabelValues(api.Group).Set(0)
		})
		reg, _ := inf.AddEventHandler(cache.ResourceEventHandlerDetailedFuncs{
			AddFunc:    func(obj any, initial bool) { e.observe(api, obj, initial) },
			UpdateFunc: func(_, obj any) { e.observe(api, obj, false) },
			DeleteFunc: func(obj any) { e.forget(obj) },
		})
		synced = append(synced, reg.HasSynced)
		wg.Go(func() { inf.RunWithContext(ctx) })
	}
	if cache.WaitForCacheSync(ctx.Done(), synced...) {
		e.ready.Store(true)
	}
	wg.Wait()
	return nil
}

// observe takes an added or updated backup; the first list after a start
// is a baseline (Tracker.Observe).
func (e *Exporter) observe(api backupapi.API, obj any, baseline bool) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	e.up.WithLabelValues(api.Group).Set(1)
	b, err := backup.FromUnstructured(u)
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.metrics.Apply(e.tracker.Observe(b, e.o.Now(), baseline))
}

func (e *Exporter) forget(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.tracker.Forget(string(u.GetUID())); ok {
		e.metrics.Delete(s)
	}
}
