package e2e

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// A restart: the records present when the exporter starts are a baseline,
// so a second process counts none of them again (counters begin at 0,
// which rate() reads as a counter reset), shows retry_current at once, and
// counts only the records written after its start.
func TestExporterRestartIsABaseline(t *testing.T) {
	ctx := context.Background()
	ns := sanitize("exr-" + uniqueName(t))
	now := time.Now()
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	r1 := backup.RetryRecord{RetryNum: 1, DetectFailedAt: at(-20 * time.Minute), ExpectedRetryAt: at(-15 * time.Minute), RealRetryAt: at(-15 * time.Minute), OriginalReason: "OOMKilled"}
	r2 := backup.RetryRecord{RetryNum: 2, DetectFailedAt: at(-5 * time.Minute), ExpectedRetryAt: at(time.Hour), OriginalReason: "OOMKilled"}
	if _, err := s.env.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV2, Namespace: ns, Name: "daily", Phase: "Scheduled", Records: []backup.RetryRecord{r1}}); err != nil {
		t.Fatal(err)
	}
	oom := `{backup="daily",namespace="` + ns + `",reason="OOMKilled"}`
	series := `{backup="daily",namespace="` + ns + `"}`
	a := startExporter(t, s.kubeconfig)
	setRecords(t, backup.GroupV2, ns, "daily", r1, r2)
	waitFor(t, "the first process to count the new record", func() bool { return a.metric("tidb_operator_log_backup_retry_total", oom) == "1" })
	a.stop(t)

	b := startExporter(t, s.kubeconfig)
	if got := b.metric("tidb_operator_log_backup_retry_total", oom); got != "0" {
		t.Errorf("after a restart, the records already there counted again: retry_total %q", got)
	}
	if got := b.metric("tidb_operator_log_backup_retry_current", series); got != "2" {
		t.Errorf("after a restart, retry_current %q, want 2 at once", got)
	}
	r3 := backup.RetryRecord{RetryNum: 3, DetectFailedAt: at(0), ExpectedRetryAt: at(time.Hour), OriginalReason: "Evicted"}
	setRecords(t, backup.GroupV2, ns, "daily", r1, r2, r3)
	evicted := `{backup="daily",namespace="` + ns + `",reason="Evicted"}`
	waitFor(t, "the record written after the restart", func() bool { return b.metric("tidb_operator_log_backup_retry_total", evicted) == "1" })
	if got := b.metric("tidb_operator_log_backup_retry_total", oom); got != "0" {
		t.Errorf("a resync after the new record counted old ones: %q", got)
	}
	b.stop(t)
}

// The seed's labels have no API group. A backup name used in both groups
// of one namespace shows one backup (the first seen) and says that the
// other is hidden; when the shown one is deleted the other takes over.
// The info metric says which group a series is, and, for a log backup,
// the cluster it backs up; the checkpoint is Unix seconds.
func TestExporterSameNameInBothGroups(t *testing.T) {
	ctx := context.Background()
	ns := sanitize("exn-" + uniqueName(t))
	cp := time.Now().Add(-3 * time.Minute).Truncate(time.Second)
	for _, g := range []string{backup.GroupV1, backup.GroupV2} {
		if _, err := s.env.CreateBackup(ctx, fixtures.Backup{Group: g, Namespace: ns, Name: "pitr", Mode: "log", LogSubcommand: "log-start",
			Phase: "Running", Cluster: "basic-" + strings.ReplaceAll(g, ".", "-"), CheckpointTS: backup.TSOFromTime(cp)}); err != nil {
			t.Fatal(err)
		}
	}
	x := startExporter(t, s.kubeconfig)
	owner := func() string {
		for _, g := range []string{backup.GroupV1, backup.GroupV2} {
			labels := `{backup="pitr",cluster="basic-` + strings.ReplaceAll(g, ".", "-") + `",cluster_namespace="` + ns + `",group="` + g + `",mode="log",namespace="` + ns + `",phase="Running"}`
			if x.metric("tidb_operator_log_backup_info", labels) == "1" {
				return g
			}
		}
		return ""
	}
	first := owner()
	if first == "" || x.count("tidb_operator_log_backup_info", `namespace="`+ns+`"`) != 1 {
		t.Fatalf("want one info series of one group, got owner %q, %d series", first, x.count("tidb_operator_log_backup_info", `namespace="`+ns+`"`))
	}
	if got := x.metric("logbackup_exporter_hidden_backups", ""); got == "" || got == "0" {
		t.Errorf("hidden_backups %q, want at least 1", got)
	}
	got, err := strconv.ParseFloat(x.metric("tidb_operator_log_backup_checkpoint_timestamp_seconds", `{backup="pitr",namespace="`+ns+`"}`), 64)
	if err != nil || got != float64(cp.Unix()) {
		t.Errorf("checkpoint %v (%v), want %d", got, err, cp.Unix())
	}
	if err := s.env.Dynamic.Resource(fixtures.GVR(first)).Namespace(ns).Delete(ctx, "pitr", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the other group's backup to take the series over", func() bool { o := owner(); return o != "" && o != first })
	x.stop(t)
}

// An API server outage: the exporter keeps serving the last state, says
// the watch is down (watch_up 0, watch_errors_total grows, a log line),
// and when the API server answers again it catches up with what changed.
func TestExporterSurvivesAnOutage(t *testing.T) {
	ctx := context.Background()
	ns := sanitize("exo-" + uniqueName(t))
	now := time.Now()
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	r1 := backup.RetryRecord{RetryNum: 1, DetectFailedAt: at(-10 * time.Minute), ExpectedRetryAt: at(time.Hour), OriginalReason: "BackoffLimitExceeded"}
	if _, err := s.env.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV1, Namespace: ns, Name: "nightly", Phase: "Scheduled", Records: []backup.RetryRecord{r1}}); err != nil {
		t.Fatal(err)
	}
	p := newCutProxyFor(t, s.cluster, "/backups")
	x := startExporter(t, proxyKubeconfig(t, p.srv.URL, ns))
	series := `{backup="nightly",namespace="` + ns + `"}`
	up := `{group="` + backup.GroupV1 + `"}`
	if got := x.metric("logbackup_exporter_watch_up", up); got != "1" {
		t.Fatalf("watch_up %q before the outage", got)
	}
	p.fail()
	waitFor(t, "watch_up 0", func() bool { return x.metric("logbackup_exporter_watch_up", up) == "0" })
	if got := x.metric("tidb_operator_log_backup_retry_current", series); got != "1" {
		t.Errorf("during the outage retry_current %q, want the last state (1)", got)
	}
	if code, _ := get(x.base + "/readyz"); code != 200 {
		t.Errorf("readyz %d during an outage: Kubernetes would take the exporter out of its Service and Prometheus would lose the last state", code)
	}
	if n, _ := strconv.Atoi(x.metric("logbackup_exporter_watch_errors_total", up)); n < 1 {
		t.Errorf("watch_errors_total %d", n)
	}
	r2 := backup.RetryRecord{RetryNum: 2, DetectFailedAt: at(0), ExpectedRetryAt: at(time.Hour), OriginalReason: "BackoffLimitExceeded"}
	setRecords(t, backup.GroupV1, ns, "nightly", r1, r2) // written while the exporter cannot see
	p.resume()
	waitFor(t, "the change made during the outage", func() bool {
		return x.metric("tidb_operator_log_backup_retry_current", series) == "2"
	})
	if got := x.metric("logbackup_exporter_watch_up", up); got != "1" {
		t.Errorf("watch_up %q after the outage", got)
	}
	jobFailed := `{backup="nightly",namespace="` + ns + `",reason="JobFailed"}`
	if got := x.metric("tidb_operator_log_backup_retry_total", jobFailed); got != "1" {
		t.Errorf("the record written during the outage: retry_total %q, want 1", got)
	}
	x.stop(t)
	if !strings.Contains(x.stderr.String(), "watch of pingcap.com backups failed") {
		t.Errorf("no log line about the outage:\n%s", x.stderr.String())
	}
}

// setRecords writes a backup's retry records as its controller would (v2
// through the status subresource).
func setRecords(t *testing.T, group, ns, name string, records ...backup.RetryRecord) {
	t.Helper()
	recs := make([]any, 0, len(records))
	for _, r := range records {
		recs = append(recs, fixtures.RecordObject(r))
	}
	editStatusIn(t, group, ns, name, func(st map[string]any) { st["backoffRetryStatus"] = recs })
}

// An exporter that starts before its API server can be reached (a
// Deployment scheduled during an outage) waits for it: it serves
// /healthz, is not ready, says so on stderr, and becomes ready when the
// API server answers.
func TestExporterWaitsForTheAPIServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing answers there yet
	x := launchExporter(t, []string{"--kubeconfig", proxyKubeconfig(t, "http://"+addr, "default")})
	waitFor(t, "a line that says the API server cannot be reached", func() bool {
		return strings.Contains(x.stderr.String(), "the API server cannot be reached (retrying in")
	})
	if code, _ := get(x.base + "/healthz"); code != 200 {
		t.Errorf("healthz %d while waiting", code)
	}
	if code, _ := get(x.base + "/readyz"); code != 503 {
		t.Errorf("readyz %d while waiting, want 503", code)
	}

	// The API server answers at that address now.
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := newCutProxyFor(t, s.cluster, "/none")
	srv := &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	waitForLong(t, "ready once the API server answers", time.Minute, func() bool { code, _ := get(x.base + "/readyz"); return code == 200 })
	x.stop(t)
}

// A backup deleted and created again under its name while the exporter
// could not see (the re-list brings it back as an update of the old one):
// the new backup's series are shown, its record counts, and deleting it
// leaves nothing.
func TestExporterBackupRecreatedDuringAnOutage(t *testing.T) {
	ctx := context.Background()
	ns := sanitize("exrc-" + uniqueName(t))
	now := time.Now()
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	r1 := backup.RetryRecord{RetryNum: 1, DetectFailedAt: at(-10 * time.Minute), ExpectedRetryAt: at(time.Hour), OriginalReason: "BackoffLimitExceeded"}
	if _, err := s.env.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV1, Namespace: ns, Name: "nightly", Phase: "Scheduled", Cluster: "old", Records: []backup.RetryRecord{r1}}); err != nil {
		t.Fatal(err)
	}
	p := newCutProxyFor(t, s.cluster, "/backups")
	x := startExporter(t, proxyKubeconfig(t, p.srv.URL, ns), "-n", ns)
	up := `{group="` + backup.GroupV1 + `"}`
	p.fail()
	waitFor(t, "watch_up 0", func() bool { return x.metric("logbackup_exporter_watch_up", up) == "0" })
	res := s.env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(ns)
	if err := res.Delete(ctx, "nightly", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	r2 := backup.RetryRecord{RetryNum: 1, DetectFailedAt: at(-time.Minute), ExpectedRetryAt: at(time.Hour), OriginalReason: "OOMKilled"}
	if _, err := s.env.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV1, Namespace: ns, Name: "nightly", Phase: "Scheduled", Cluster: "new", Records: []backup.RetryRecord{r2}}); err != nil {
		t.Fatal(err)
	}
	p.resume()
	info := `{backup="nightly",cluster="new",cluster_namespace="` + ns + `",group="pingcap.com",mode="snapshot",namespace="` + ns + `",phase="Scheduled"}`
	waitFor(t, "the new backup's series", func() bool { return x.metric("tidb_operator_log_backup_info", info) == "1" })
	if got := x.metric("tidb_operator_log_backup_retry_total", `{backup="nightly",namespace="`+ns+`",reason="OOMKilled"}`); got != "1" {
		t.Errorf("the new backup's record: retry_total %q, want 1", got)
	}
	if got := x.metric("logbackup_exporter_hidden_backups", ""); got != "0" {
		t.Errorf("hidden_backups %q, want 0", got)
	}
	if err := res.Delete(ctx, "nightly", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "nothing left of the namespace", func() bool { return x.count("tidb_operator_log_backup_", ns) == 0 })
	if got := x.metric("logbackup_exporter_backups", ""); got != "0" {
		t.Errorf("backups followed %q after the deletion, want 0", got)
	}
	x.stop(t)
}
