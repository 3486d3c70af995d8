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
