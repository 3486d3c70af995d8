package e2e

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// Every fault of Prometheus degrades the metrics section only: investigate
// still finishes within its deadline, exits 0, and every other section is
// what it is without Prometheus. The token never reaches the output.
func TestInvestigateSurvivesPrometheusFaults(t *testing.T) {
	const token = "s3cr3t-prom-token-value"
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hang := make(chan struct{})
	serve := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	l.Close()

	ref := fixtures.NSv1 + "/" + fixtures.Nightly
	baseline := investigateJSON(t, ref, "--no-prometheus")
	if baseline.Metrics.Skipped == "" {
		t.Fatalf("--no-prometheus: the section does not say it was skipped: %+v", baseline.Metrics)
	}

	cases := []struct {
		name string
		url  string
		want string
	}{
		{"refused", refused, "connection refused"},
		{"401", serve(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+token {
				t.Errorf("the server got Authorization %q", r.Header.Get("Authorization"))
			}
			http.Error(w, "no", http.StatusUnauthorized)
		}), "401"},
		{"403", serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }), "403"},
		{"500", serve(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", http.StatusInternalServerError) }), "500"},
		{"never answers", serve(func(w http.ResponseWriter, r *http.Request) {
			// The body read, the server notices the client leave.
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		}), "--prometheus-timeout"},
		{"garbage", serve(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x"]`))
		}), "not a Prometheus API answer"},
		{"not prometheus", serve(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("<html><body>Grafana</body></html>"))
		}), "is it Prometheus?"},
	}
	// Registered after the servers' Close, so it runs before them.
	t.Cleanup(func() { close(hang) })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			got := investigateJSON(t, ref, "--prometheus-url", tc.url, "--prometheus-bearer-token-file", tokenFile, "--prometheus-timeout", "2s")
			took := time.Since(start)
			if took > 15*time.Second {
				t.Errorf("investigate took %s with a Prometheus that %s", took, tc.name)
			}
			if !strings.Contains(got.Metrics.Error, tc.want) || strings.Contains(got.Metrics.Error, "\n") {
				t.Errorf("metrics.error = %q, want one line with %q", got.Metrics.Error, tc.want)
			}
			if got.Metrics.Retries != nil || got.Metrics.Task != nil {
				t.Errorf("parts filled despite the fault: %+v", got.Metrics)
			}
			// Every other section is as without Prometheus.
			if got.Backup.Backup == nil || got.Backup.Backup.UID != baseline.Backup.Backup.UID ||
				len(got.Events.Items) != len(baseline.Events.Items) || len(got.Workload.Pods) != len(baseline.Workload.Pods) ||
				len(got.PodLog.Lines) != len(baseline.PodLog.Lines) || len(got.Controller.Lines) != len(baseline.Controller.Lines) {
				t.Errorf("a section changed with the fault")
			}
			if got.Diagnosis[0].Summary != baseline.Diagnosis[0].Summary {
				t.Errorf("the verdict changed: %q, was %q", got.Diagnosis[0].Summary, baseline.Diagnosis[0].Summary)
			}
			// The text view says it in one line too, and never the token.
			r := plugin(t, "investigate", ref, "--prometheus-url", tc.url, "--prometheus-bearer-token-file", tokenFile, "--prometheus-timeout", "2s")
			if r.code != 0 || !strings.Contains(r.stdout, "Metrics (Prometheus)") || !strings.Contains(r.stdout, tc.want) {
				t.Errorf("text view, exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, token) {
				t.Error("the bearer token was printed")
			}
		})
	}
}

// Bad Prometheus flags are the user's mistake: one line, exit 1, nothing
// asked of the cluster.
func TestPrometheusFlagErrors(t *testing.T) {
	ref := fixtures.NSv1 + "/" + fixtures.Nightly
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--prometheus-url", "ftp://x"}, "--prometheus-url: the scheme must be http or https"},
		{[]string{"--prometheus-url", "http://user:pw@x:9090"}, "holds credentials"},
		{[]string{"--prometheus-service", "monitoring/prom"}, "the port is missing"},
		{[]string{"--prometheus-service", "monitoring/prom:9090", "--prometheus-url", "http://x"}, "give one"},
		{[]string{"--prometheus-url", "http://x", "--prometheus-bearer-token-file", "/nonexistent/token"}, "--prometheus-bearer-token-file /nonexistent/token"},
		{[]string{"--prometheus-timeout", "0s"}, "--prometheus-timeout"},
		{[]string{"--task-labels", "bad-name=x"}, "not a Prometheus label name"},
		{[]string{"--task-labels", "__name__=x"}, "reserved by Prometheus"},
	} {
		r := plugin(t, append([]string{"investigate", ref}, tc.args...)...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 1 || len(lines) != 1 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want one line with %q", tc.args, r.code, r.stderr, r.stdout, tc.want)
		}
	}
	// A URL from the environment is not a flag of the command: a bad one
	// spoils only the metrics section, named as the environment's, and
	// a command that does not ask Prometheus never looks at it.
	env := []string{"KUBECTL_LOGBACKUP_PROMETHEUS_URL=not a url"}
	r := execute(t, env, s.bin, "--kubeconfig", s.kubeconfig, "investigate", ref, "-o", "json")
	var rep report.Report
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil || !strings.Contains(rep.Metrics.Error, "KUBECTL_LOGBACKUP_PROMETHEUS_URL") || rep.Backup.Backup == nil {
		t.Errorf("env URL: exit %d, metrics %+v, %q", r.code, rep.Metrics, r.stderr)
	}
	if r := execute(t, env, s.bin, "--kubeconfig", s.kubeconfig, "status", "-n", fixtures.NSv1); r.code != 0 {
		t.Errorf("status with a bad env URL: exit %d, %q", r.code, r.stderr)
	}
}
