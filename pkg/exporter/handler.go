package exporter

import (
	"cmp"
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// metricsHandler serves /metrics: the registry's families (the exporter's
// own, Go and process) and the backups' families, in name order, each
// backup family built just before it is written. promhttp would first
// gather every family: for 10,000 backups that is 230,000 samples held at
// once, which was the exporter's peak memory. The format is negotiated as
// promhttp does (text, OpenMetrics, protobuf), and gzip is used when the
// scraper accepts it, as Prometheus does.
func metricsHandler(reg prometheus.Gatherer, m *Metrics, log func(string, ...any)) http.Handler {
	// Each scrape holds a family of samples (13 MB at 10,000 backups) until
	// it is written: two at once (two Prometheus replicas) are served, a
	// third gets a 503, so scrapers that stop reading cannot pile up memory.
	inFlight := make(chan struct{}, maxScrapes)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case inFlight <- struct{}{}:
			defer func() { <-inFlight }()
		default:
			http.Error(w, "too many scrapes at once; try again", http.StatusServiceUnavailable)
			return
		}
		own, err := reg.Gather()
		if err != nil {
			log("gathering the exporter's own metrics: %v", err)
		}
		type entry struct {
			name string
			fam  *dto.MetricFamily // nil: a backup family, built when written
		}
		var all []entry
		for _, f := range own {
			all = append(all, entry{f.GetName(), f})
		}
		for _, n := range familyNames() {
			all = append(all, entry{name: n})
		}
		slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(a.name, b.name) })

		format := expfmt.Negotiate(r.Header)
		w.Header().Set("Content-Type", string(format))
		var out io.Writer = w
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			w.Header().Set("Content-Encoding", "gzip")
			gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
			defer gz.Close()
			out = gz
		}
		enc := expfmt.NewEncoder(out, format)
		for _, e := range all {
			f := e.fam
			if f == nil {
				if f = m.Family(e.name); f == nil {
					continue
				}
			}
			if err := enc.Encode(f); err != nil {
				// The status is sent; the scraper sees a cut body.
				log("writing /metrics: %v", err)
				return
			}
		}
		if c, ok := enc.(expfmt.Closer); ok {
			_ = c.Close()
		}
	})
}

// maxScrapes is how many scrapes are served at once.
const maxScrapes = 2

// acceptsGzip reads an Accept-Encoding header: gzip listed, with no q or
// a q above 0.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.TrimSpace(k) == "q" {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				return err == nil && q > 0
			}
		}
		return true
	}
	return false
}
