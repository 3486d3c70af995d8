package exporter

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
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
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/openmetrics-text") {
				if !strings.HasSuffix(text, "# EOF\n") {
					t.Errorf("OpenMetrics without # EOF")
				}
				return
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
