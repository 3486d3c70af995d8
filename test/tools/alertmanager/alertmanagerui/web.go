// Package ui stands in for Alertmanager's github.com/prometheus/alertmanager/ui
// when the Makefile builds the alertmanager binary from the Go module proxy.
//
// Why: that package embeds the web UI's compiled assets (ui/app/dist), which
// Alertmanager's release process generates with npm and Elm and which are not
// committed, so the module proxy's copy of Alertmanager has no app/dist and
// `go build ./cmd/alertmanager` fails with "pattern app/dist: no matching
// files found". The Makefile builds from a copy of the module with this
// file in place of ui/web.go (go build -overlay may not replace files of
// the module cache). The binary then serves its HTTP API (/api/v2, /-/ready,
// /-/healthy, /metrics) as usual; only the browser UI is missing, and its
// paths say so. The tests use amtool and the API, never the UI.
package ui

import (
	"net/http"

	"github.com/prometheus/common/route"
)

const notBuilt = "This Alertmanager was built from the Go module proxy for kubectl-logbackup's tests, without its web UI. The HTTP API is at /api/v2.\n"

// Register registers the handlers of the web UI's paths: each answers 404
// with a line that says the UI was not built.
func Register(r *route.Router) {
	missing := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(notBuilt))
	}
	for _, p := range []string{"/", "/favicon.ico", "/assets/*path", "/ui", "/ui/", "/ui/assets/*path"} {
		r.Get(p, missing)
	}
}
