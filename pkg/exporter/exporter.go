package exporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// Options of the exporter.
type Options struct {
	Namespace string // "" = all namespaces
	APIGroup  string // one group only; "" = every group served
	Now       func() time.Time
	// Log receives a line for each watch failure (the command's stderr).
	Log io.Writer
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
	// stores: each group's informer cache, to find the backup that takes
	// over a series when its owner is deleted.
	stores map[string]cache.Store
}

// New builds the exporter and its registry: the retry metrics, its own
// health (watch errors, whether each group's watch is up), Go and process
// metrics.
func New(o Options) *Exporter {
	if o.Now == nil {
		o.Now = time.Now
	}
	reg := prometheus.NewRegistry()
	e := &Exporter{o: o, reg: reg, metrics: NewMetrics(reg), tracker: NewTracker(), stores: map[string]cache.Store{},
		watchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "logbackup_exporter_watch_errors_total",
			Help: "Errors of the watches of backups, by API group."}, []string{"group"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "logbackup_exporter_watch_up",
			Help: "1 while the watch of backups of an API group works, 0 while it is failing (the metrics then hold the last state seen)."}, []string{"group"}),
	}
	reg.MustRegister(e.watchErrors, e.up,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: MetricBackups,
			Help: "Backups the exporter follows, of every group."}, func() float64 { return float64(e.locked(e.tracker.Len)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "logbackup_exporter_hidden_backups",
			Help: "Backups whose metrics are not exported because a backup of the other API group with the same namespace and name was seen first (the seed's labels carry no group)."},
			func() float64 { return float64(e.locked(e.tracker.Hidden)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "logbackup_exporter_ready",
			Help: "1 once the first list of backups of every group has been read."}, func() float64 {
			if e.ready.Load() {
				return 1
			}
			return 0
		}),
		buildInfo(),
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return e
}

// locked runs f under the tracker's lock (for scrape-time gauges).
func (e *Exporter) locked(f func() int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return f()
}

// Handler serves /metrics, /healthz and /readyz (ready once every
// informer has its first list).
func (e *Exporter) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", metricsHandler(e.reg, e.metrics, e.logf))
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
	apis, err := e.discover(ctx, clients)
	if err != nil {
		return err
	}
	var synced []cache.InformerSynced
	var wg sync.WaitGroup
	for _, api := range apis {
		inf := cache.NewSharedIndexInformer(e.listWatch(clients, api), &unstructured.Unstructured{}, 0, cache.Indexers{})
		_ = inf.SetTransform(backupapi.Slim)
		e.up.WithLabelValues(api.Group).Set(0)
		e.watchErrors.WithLabelValues(api.Group)
		_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
			if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) || errors.Is(err, io.EOF) || ctx.Err() != nil {
				return // the normal life of a watch: the informer lists again
			}
			e.watchErrors.WithLabelValues(api.Group).Inc()
			e.up.WithLabelValues(api.Group).Set(0)
			e.logf("watch of %s backups failed (%s; retrying): %v", api.Group, e.whatNow(err), err)
		})
		e.mu.Lock()
		e.stores[api.Group] = inf.GetStore()
		e.mu.Unlock()
		reg, _ := inf.AddEventHandler(cache.ResourceEventHandlerDetailedFuncs{
			AddFunc:    func(obj any, initial bool) { e.observe(obj, initial) },
			UpdateFunc: e.update,
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

// discover finds the groups served. An API server that cannot be reached
// yet (a Deployment that starts before it, an outage) is waited for, with
// a line per attempt, since a server process should come up by itself;
// anything else (no Backup API served, credentials refused) ends the run.
func (e *Exporter) discover(ctx context.Context, clients backupapi.Clients) ([]backupapi.API, error) {
	delay := time.Second
	for {
		apis, err := backupapi.Discover(ctx, clients.Kube.Discovery().RESTClient(), e.o.APIGroup)
		if err == nil || !transient(err) || ctx.Err() != nil {
			return apis, err
		}
		e.logf("the API server cannot be reached (retrying in %v): %v", delay, err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 30*time.Second)
	}
}

// transient: an error that waiting may cure (the network, an API server
// that is starting or overloaded).
func transient(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var netErr net.Error
	// Not any net.Error: url.Error is one, and wraps certificate errors,
	// which no wait cures.
	return errors.As(err, &opErr) || errors.As(err, &dnsErr) || errors.As(err, &netErr) && netErr.Timeout() ||
		utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsServiceUnavailable(err) ||
		apierrors.IsInternalError(err) || apierrors.IsTooManyRequests(err)
}

// listWatch is the group's ListWatch that also says, in watch_up, when
// the API server answers again: an idle watch sends no object, so the
// objects alone cannot say it.
func (e *Exporter) listWatch(clients backupapi.Clients, api backupapi.API) *cache.ListWatch {
	lw := backupapi.SlimListWatch(clients.Kube.Discovery().RESTClient(), clients.Dynamic, api, e.o.Namespace)
	list, watchFn := lw.ListWithContextFunc, lw.WatchFuncWithContext
	up := e.up.WithLabelValues(api.Group)
	lw.ListWithContextFunc = func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		obj, err := list(ctx, o)
		if err == nil {
			up.Set(1)
		}
		return obj, err
	}
	lw.WatchFuncWithContext = func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		w, err := watchFn(ctx, o)
		if err == nil {
			up.Set(1)
		}
		return w, err
	}
	return lw
}

// observe takes an added or updated backup; the first list after a start
// is a baseline (Tracker.Observe).
func (e *Exporter) observe(obj any, baseline bool) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	b, err := backup.FromUnstructured(u)
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.apply(b, baseline)
}

// apply feeds the tracker and, unless another group's backup owns the
// series, the metrics. Called with mu held.
func (e *Exporter) apply(b *backup.Backup, baseline bool) {
	d := e.tracker.Observe(b, e.o.Now(), baseline)
	if d.Hidden {
		return
	}
	e.metrics.Apply(d)
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
	s, owned, successor := e.tracker.Forget(string(u.GetUID()))
	if !owned {
		return
	}
	e.metrics.Delete(s)
	if successor == "" {
		return
	}
	// The other group's backup of that name takes the series over; its
	// records were counted when it was observed, so none counts twice.
	for _, store := range e.stores {
		obj, ok, _ := store.GetByKey(s.Namespace + "/" + s.Backup)
		if o, isU := obj.(*unstructured.Unstructured); ok && isU && string(o.GetUID()) == successor {
			if b, err := backup.FromUnstructured(o); err == nil {
				e.apply(b, false)
			}
		}
	}
}

// update takes an updated backup. A backup deleted and created again
// under its name while the watch was down comes back from the re-list as
// an update of the old object, with no deletion between.
func (e *Exporter) update(old, obj any) {
	if uidOf(old) != uidOf(obj) {
		e.forget(old)
	}
	e.observe(obj, false)
}

func uidOf(obj any) string {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return string(u.GetUID())
	}
	return ""
}

// whatNow says, in a watch failure's log line, what the metrics show
// meanwhile and, for a refusal, what to change.
func (e *Exporter) whatNow(err error) string {
	now := "the metrics keep the last state seen"
	if !e.ready.Load() {
		now = "nothing is exported until the first list is read"
	}
	if apierrors.IsForbidden(err) {
		now += "; the exporter needs get, list and watch on backups (kubectl logbackup exporter manifests has the ClusterRole)"
		if e.o.Namespace == "" {
			now += ", or -n NAMESPACE to watch one namespace"
		}
	}
	return now
}

// logf writes one line to the exporter's log (its stderr), if any.
func (e *Exporter) logf(format string, args ...any) {
	if e.o.Log != nil {
		fmt.Fprintf(e.o.Log, time.Now().UTC().Format(time.RFC3339)+" "+format+"\n", args...)
	}
}
