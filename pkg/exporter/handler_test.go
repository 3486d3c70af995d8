package exporter

import (
	"compress/gzip"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// /metrics as Prometheus scrapes it (gzip, its Accept header) and as curl
// does: a valid exposition with the exporter's own families and the
// backups', every family once.
func TestMetricsHandler(t *testing.T) {
	e := New(Options{})
	e.metrics.Apply(e.tracker.Observe(bk("Scheduled", rec(1, false)), t0, false))
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	for _, c := range []struct {
		name, accept string
		gzip         bool
	}{
		{"prometheus", "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1", true},
		{"curl", "*/*", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
			req.Header.Set("Accept", c.accept)
			if c.gzip {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gunzip
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body io.Reader = resp.Body
			if c.gzip {
				if resp.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
				}
				if body, err = gzip.NewReader(resp.Body); err != nil {
					t.Fatal(err)
				}
			}
			raw, _ := io.ReadAll(body)
			text := string(raw)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Fatalf("Content-Type %q, want the text format (as promhttp without OpenMetrics)", ct)
			}
			parser := expfmt.NewTextParser(model.UTF8Validation)
			fams, err := parser.TextToMetricFamilies(strings.NewReader(text))
			if err != nil {
				t.Fatalf("invalid exposition: %v\n%s", err, text)
			}
			for _, want := range []string{MetricCurrent, MetricTotal, MetricDuration, MetricInfo, "logbackup_exporter_build_info", "go_goroutines"} {
				if _, ok := fams[want]; !ok {
					t.Errorf("no %s in /metrics", want)
				}
			}
			if strings.Count(text, "# TYPE "+MetricCurrent+" ") != 1 {
				t.Errorf("retry_current's family is written more than once")
			}
		})
	}
}

// What the exporter waits out at its start, and what ends it.
func TestTransient(t *testing.T) {
	_, refused := http.Get("http://127.0.0.1:1/")
	for _, c := range []struct {
		err  error
		want bool
	}{
		{refused, true},
		{&url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}}, false},
		{apierrors.NewServiceUnavailable("starting"), true},
		{apierrors.NewForbidden(schema.GroupResource{}, "", errors.New("no")), false},
		{errors.New("no Backup API is served"), false},
	} {
		if got := transient(c.err); got != c.want {
			t.Errorf("transient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// A backup deleted and created again under its name while the watch was
// down reaches the handlers as an update from the old object to the new:
// the new one owns the series and its records count; deleted, nothing is
// left.
func TestRecreatedWhileTheWatchWasDown(t *testing.T) {
	e := New(Options{})
	obj := func(uid string, recs ...any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "pingcap.com/v1alpha1", "kind": "Backup",
			"metadata": map[string]any{"name": "x", "namespace": "tidb", "uid": uid},
			"status":   map[string]any{"phase": "Scheduled", "backoffRetryStatus": recs},
		}}
	}
	old := obj("uid-old")
	e.observe(old, true)
	recreated := obj("uid-new", map[string]any{"retryNum": int64(1), "detectFailedAt": "2026-11-30T12:00:00Z", "originalReason": "OOMKilled"})
	e.update(old, recreated)
	if e.tracker.Hidden() != 0 || e.tracker.Len() != 1 {
		t.Errorf("hidden %d, tracked %d", e.tracker.Hidden(), e.tracker.Len())
	}
	if v := sample(t, e.metrics, MetricTotal, `{backup="x",namespace="tidb",reason="OOMKilled"}`); v != "1" {
		t.Errorf("the new backup's record: retry_total %q, want 1", v)
	}
	e.forget(recreated)
	if out := text(t, e.metrics); out != "" {
		t.Errorf("series left:\n%s", out)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{"gzip": true, "gzip;q=0.5": true, "deflate, gzip; q=1": true, "gzip;q=0": false, "gzip;q=0.0": false,
		"gzip;q=x": false, "identity": false, "": false} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %v", h, got)
		}
	}
}

// Scrapers that stop reading cannot pile up: beyond two scrapes at once
// the answer is a 503 at once.
func TestScrapesAtOnce(t *testing.T) {
	e := New(Options{})
	release := make(chan struct{})
	h := e.Handler()
	blocked := make(chan struct{}, maxScrapes)
	for range maxScrapes {
		go func() {
			h.ServeHTTP(&stuckWriter{ResponseRecorder: httptest.NewRecorder(), started: blocked, release: release}, httptest.NewRequest("GET", "/metrics", nil))
		}()
	}
	for range maxScrapes {
		<-blocked
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("a third scrape at once: %d, want 503", rec.Code)
	}
	close(release)
}

// stuckWriter blocks on its first write, as a scraper that stops reading.
type stuckWriter struct {
	*httptest.ResponseRecorder
	started chan struct{}
	release chan struct{}
	once    bool
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	if !w.once {
		w.once = true
		w.started <- struct{}{}
		<-w.release
	}
	return w.ResponseRecorder.Write(p)
}
