package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
	"github.com/logbackup/kubectl-logbackup/test/netns"
	"github.com/logbackup/kubectl-logbackup/test/promserver"
	"github.com/logbackup/kubectl-logbackup/test/tikvmetrics"
)

// A log backup's truth is its task, as TiKV and TiDB report it. On real
// parts: two TiDB clusters' TiKV stores and TiDB serving their log backup
// metrics (tikvmetrics), a real Prometheus in a network namespace scraping
// them with our rules loaded and 30 minutes of checkpoint history
// backfilled, exposed as kube-prometheus' Service; the plugin finds it by
// itself and reaches it through the API server's service proxy. What
// investigate, metrics and status -o wide show is what the test set: a
// task in error, one paused, one whose checkpoint stopped 40 minutes ago,
// one running whose Backup object the operator stopped refreshing; and
// the other cluster's task of the same name is never taken for this one's.
func TestInvestigateLogBackupTask(t *testing.T) {
	ns := sanitize("task-" + uniqueName(t))
	other := ns + "-other"
	now := time.Now()
	nets := netns.New(t)

	tidb := tikvmetrics.Start(t, nets.HostIP, 3)
	tidb.StartTask("pitr-run", now.Add(-30*time.Second))
	tidb.StartTask("pitr-stuck", now.Add(-40*time.Minute))
	tidb.StartTask("pitr-err", now.Add(-5*time.Minute))
	tidb.SetStoreTaskState(1, "pitr-err", tikvmetrics.Error)
	tidb.StartTask("pitr-pause", now.Add(-2*time.Minute))
	tidb.SetTaskState("pitr-pause", tikvmetrics.Paused)
	// Another TiDB cluster runs a task of the same name, in error.
	otherTiDB := tikvmetrics.Start(t, nets.HostIP, 1)
	otherTiDB.StartTask("pitr-run", now.Add(-3*time.Hour))
	otherTiDB.SetTaskState("pitr-run", tikvmetrics.Error)

	// TidbMonitor's relabelling: kubernetes_namespace, cluster, tidb_cluster.
	labels := func(namespace string) map[string]string {
		return map[string]string{"kubernetes_namespace": namespace, "cluster": "basic", "tidb_cluster": namespace + "-basic"}
	}
	dir := t.TempDir()
	dataDir, stuckSince := backfillCheckpoints(t, dir, now, tidb, labels(ns))
	rules, err := exec.Command(s.bin, "monitoring", "rules", "--profile", "dev").Output()
	if err != nil {
		t.Fatal(err)
	}
	prom := promserver.Start(t, promserver.Options{
		Dir: dir, DataDir: dataDir,
		Config: "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n" +
			tidb.ScrapeConfigs(labels(ns)) + otherTiDB.ScrapeConfigs(labels(other)),
		Files:      map[string][]byte{"rules.yml": rules},
		RuleFiles:  []string{"rules.yml"},
		Wrap:       nets.Command,
		ListenHost: nets.IP,
		Flags:      []string{"--scrape.discovery-reload-interval=100ms", "--storage.tsdb.retention.time=30d"},
	})
	exposePrometheusAs(t, prom, map[string]string{"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/part-of": "kube-prometheus"})

	for _, b := range []fixtures.Backup{
		// The operator last refreshed its checkpoint two hours ago.
		{Name: "pitr-run", CheckpointTS: backup.TSOFromTime(now.Add(-2 * time.Hour))},
		{Name: "pitr-stuck", CheckpointTS: backup.TSOFromTime(now.Add(-40 * time.Minute))},
		{Name: "pitr-err", CheckpointTS: backup.TSOFromTime(now.Add(-5 * time.Minute))},
		{Name: "pitr-pause", CheckpointTS: backup.TSOFromTime(now.Add(-2 * time.Minute))},
	} {
		b.Group, b.Namespace, b.Mode, b.LogSubcommand, b.Phase, b.Cluster = backup.GroupV1, ns, "log", "log-start", "Running", "basic"
		if _, err := s.env.CreateBackup(t.Context(), b); err != nil {
			t.Fatal(err)
		}
	}
	admin, err := kubernetes.NewForConfig(s.cluster.Admin)
	if err != nil {
		t.Fatal(err)
	}
	waitForLong(t, "Prometheus to scrape both clusters and evaluate the rules", time.Minute, func() bool {
		a, err := proxiedQuery(t.Context(), admin, `count(tikv_log_backup_task_status)`)
		if err != nil || len(a.Data.Result) != 1 || a.Data.Result[0].Value[1] != "13" {
			return false
		}
		a, err = proxiedQuery(t.Context(), admin, `count(ALERTS{alertname="LogBackupTaskError",task="pitr-err"})`)
		return err == nil && len(a.Data.Result) == 1
	})

	t.Run("found and proxied", func(t *testing.T) {
		got := investigateJSON(t, ns+"/pitr-err")
		m := got.Metrics
		if !strings.Contains(m.Prometheus, "service monitoring/prometheus-k8s:web through the API server (found: kube-prometheus)") {
			t.Errorf("metrics.prometheus = %q", m.Prometheus)
		}
		task := m.Task
		if task == nil || task.Error != "" || task.State != report.TaskError || len(task.Stores) != 3 || countState(task.Stores, report.TaskError) != 1 {
			t.Fatalf("pitr-err task = %+v", task)
		}
		if m.Retries == nil || !strings.Contains(m.Retries.Note, "is the logbackup exporter running?") {
			t.Errorf("no exporter here: retries = %+v", m.Retries)
		}
		if !hasAlert(m.Alerts, "LogBackupTaskError") {
			t.Errorf("alerts %+v, want LogBackupTaskError", m.Alerts)
		}
		wantFinding(t, got, report.Critical, `task "pitr-err" in ERROR on 1 of 3 stores`)
		text := plugin(t, "investigate", ns+"/pitr-err")
		if text.code != 0 || !strings.Contains(text.stdout, "State:       ERROR (3 stores: error on ") {
			t.Errorf("text view, exit %d:\n%s", text.code, text.stdout)
		}
	})

	t.Run("stuck checkpoint", func(t *testing.T) {
		got := investigateJSON(t, ns+"/pitr-stuck", "--prometheus-service", "monitoring/prometheus-k8s:9090")
		task := got.Metrics.Task
		if !strings.Contains(got.Metrics.Prometheus, "(--prometheus-service)") || task == nil || task.State != report.TaskRunning || task.Advanced == nil || *task.Advanced != 0 {
			t.Fatalf("pitr-stuck: %q, task %+v", got.Metrics.Prometheus, task)
		}
		if lag := time.Duration(*task.Lag); lag < 39*time.Minute || lag > 45*time.Minute {
			t.Errorf("pitr-stuck lag %s, want about 40m", lag)
		}
		wantFinding(t, got, report.Critical, "has not moved in 15 minutes")
	})

	t.Run("history", func(t *testing.T) {
		// What a timeline reads, through promapi (no verb asks for it
		// yet), through the service proxy as investigate goes.
		cfg := promapi.Config{Service: promNamespace + "/" + promService + ":" + strconv.Itoa(promPort)}
		kube := promapi.Kube{Config: s.cluster.Admin}
		task := func(name string) *report.TaskFigures {
			sec := figuresWithHistory(t, cfg, kube, promapi.Target{Namespace: ns, Name: name, Log: true, Cluster: "basic"})
			if sec.Task == nil || sec.Task.Error != "" || len(sec.Task.Unread) != 0 {
				t.Fatalf("%s: task %+v", name, sec.Task)
			}
			return sec.Task
		}
		// pitr-stuck's backfilled checkpoint stopped moving at a sample
		// of its own: that sample's second.
		if got := task("pitr-stuck"); got.MovedAt == nil || !got.MovedAt.Equal(stuckSince) || got.Note != "" {
			t.Errorf("pitr-stuck: moved at %v (note %q), the backfill stopped it at %s", got.MovedAt, got.Note, stuckSince)
		}
		// pitr-run's moved at every backfilled sample, and once more when
		// the live scrape (its checkpoint 30s behind the test's start)
		// took over.
		if got := task("pitr-run"); got.MovedAt == nil || got.MovedAt.Before(now.Add(-time.Minute).Truncate(time.Second)) || got.MovedAt.After(time.Now()) {
			t.Errorf("pitr-run: moved at %v, want after the backfill's end", got.MovedAt)
		}
		// The same through the binary: investigate --timeline puts the
		// checkpoint's last movement on its time axis.
		rep := investigateJSON(t, ns+"/pitr-stuck", "--timeline")
		if !timelineHas(rep, report.SourceMetrics, "checkpoint last moved", stuckSince) {
			t.Errorf("pitr-stuck's timeline has no \"checkpoint last moved\" at %s: %+v", stuckSince, rep.Timeline)
		}
		// pitr-pause's has one value since Prometheus started.
		if got := task("pitr-pause"); got.MovedAt != nil || !strings.Contains(got.Note, "the checkpoint did not move in the last 6h (its samples since ") {
			t.Errorf("pitr-pause: moved at %v, note %q", got.MovedAt, got.Note)
		}
	})

	t.Run("paused", func(t *testing.T) {
		got := investigateJSON(t, ns+"/pitr-pause")
		if got.Metrics.Task == nil || got.Metrics.Task.State != report.TaskPaused {
			t.Fatalf("pitr-pause task %+v", got.Metrics.Task)
		}
		wantFinding(t, got, report.Warning, "PAUSED on 3 of 3 stores", "nobody asked")
	})

	t.Run("running, its own cluster's task", func(t *testing.T) {
		got := investigateJSON(t, ns+"/pitr-run")
		task := got.Metrics.Task
		if task == nil || task.Error != "" || task.State != report.TaskRunning || len(task.Stores) != 3 || !strings.Contains(task.Scope, `tidb_cluster="`+ns+`-basic"`) {
			t.Fatalf("pitr-run: the other cluster's task (in error) or none was taken: %+v", task)
		}
		cp, _ := tidb.Checkpoint("pitr-run")
		if task.Checkpoint == nil || task.Checkpoint.Sub(cp).Abs() > time.Second {
			t.Errorf("checkpoint %v, the target says %v", task.Checkpoint, cp)
		}
		if task.Advanced == nil || time.Duration(*task.Advanced) < 14*time.Minute {
			t.Errorf("the checkpoint moved %v in 15 minutes, want about 15m", task.Advanced)
		}
		wantFinding(t, got, report.Warning, "status.logCheckpointTs", "no longer refreshing")
		for _, f := range got.Diagnosis {
			if f.Severity == report.Critical {
				t.Errorf("a running task with a moving checkpoint has a critical finding: %s", f.Summary)
			}
		}
	})

	t.Run("metrics and status -o wide", func(t *testing.T) {
		_, names := metricsJSON(t, "-n", ns)
		if strings.Join(names, ",") != "pitr-err,pitr-stuck,pitr-pause,pitr-run" {
			t.Errorf("metrics rows %v: want the task in error, then the stopped checkpoint, the pause, the healthy one", names)
		}
		wide := plugin(t, "status", "-n", ns, "-o", "wide")
		if wide.code != 0 || !strings.Contains(wide.stdout, "TASK") || !strings.Contains(wide.stdout, "40m") || !strings.Contains(wide.stdout, "(stuck)") {
			t.Errorf("status -o wide: exit %d\n%s\n%s", wide.code, wide.stdout, wide.stderr)
		}
	})

	t.Run("live change", func(t *testing.T) {
		// The task fails on every store, with fatal errors: the next
		// investigate says so.
		// A counter's first sample is where increase() starts: TiKV's
		// error counters exist (at 0) before they count.
		tidb.AddFatalErrors(0, "storage", 0)
		waitForLong(t, "the counter at 0", 10*time.Second, func() bool {
			a, err := proxiedQuery(t.Context(), admin, `tikv_log_backup_fatal_errors{type="storage"}`)
			return err == nil && len(a.Data.Result) == 1
		})
		time.Sleep(1500 * time.Millisecond) // one more scrape at 0
		tidb.SetTaskState("pitr-run", tikvmetrics.Error)
		tidb.AddFatalErrors(0, "storage", 2)
		var got *report.Report
		waitForLong(t, "investigate to see the task fail", 30*time.Second, func() bool {
			got = investigateJSON(t, ns+"/pitr-run")
			tk := got.Metrics.Task
			// Each store is its own scrape target: wait for all three.
			return tk != nil && countState(tk.Stores, report.TaskError) == 3 && tk.FatalErrors["storage"] >= 1
		})
		wantFinding(t, got, report.Critical, `task "pitr-run" in ERROR on 3 of 3 stores`)
	})

	t.Run("without services/proxy", func(t *testing.T) {
		// A viewer who may read the backup and find the Service, but not
		// proxy to it: the section says why, the rest is there.
		grant(t, cluster.UserViewer, ns, rbacv1.PolicyRule{APIGroups: []string{backup.GroupV1, backup.GroupV2}, Resources: []string{"backups"}, Verbs: []string{"get", "list"}})
		grant(t, cluster.UserViewer, promNamespace, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"services"}, Verbs: []string{"get", "list"}})
		var got *report.Report
		waitForLong(t, "the viewer's grants", 20*time.Second, func() bool {
			r := plugin(t, "investigate", ns+"/pitr-err", "--as", cluster.UserViewer, "-o", "json")
			got = &report.Report{}
			return r.code == 0 && json.Unmarshal([]byte(r.stdout), got) == nil && got.Metrics.Prometheus+got.Metrics.Error != "" && !strings.Contains(got.Metrics.Skipped, "no Prometheus")
		})
		if got.Backup.Backup == nil || !strings.Contains(got.Metrics.Error, "services/proxy") || strings.Contains(got.Metrics.Error, "\n") {
			t.Errorf("viewer: backup %v, metrics %+v", got.Backup.Backup != nil, got.Metrics)
		}
	})
}

// backfillCheckpoints writes 30 minutes of TiDB's checkpoint series, as the
// scrape of tidb will label them, ending a minute ago: pitr-run's moving
// (30 s behind each sample), pitr-stuck's moving for ten minutes, then
// frozen 40 minutes back from the sample it returns on. A live test could
// not wait the 15 minutes "has it moved" looks back.
func backfillCheckpoints(t *testing.T, dir string, now time.Time, c *tikvmetrics.Cluster, labels map[string]string) (string, time.Time) {
	t.Helper()
	var b strings.Builder
	b.WriteString("# TYPE tidb_log_backup_last_checkpoint gauge\n")
	lbl := func(task string) string {
		s := fmt.Sprintf(`task=%q,instance=%q,job="tidb"`, task, c.TiDBTarget())
		for k, v := range labels {
			s += fmt.Sprintf(",%s=%q", k, v)
		}
		return s
	}
	end := now.Add(-time.Minute).Truncate(time.Second)
	stuckSince := end.Add(-20 * time.Minute)
	for _, task := range []string{"pitr-run", "pitr-stuck"} {
		for at := end.Add(-30 * time.Minute); !at.After(end); at = at.Add(30 * time.Second) {
			cp := at.Add(-30 * time.Second)
			if task == "pitr-stuck" {
				cp = now.Add(-40 * time.Minute).Add(-max(stuckSince.Sub(at), 0))
			}
			fmt.Fprintf(&b, "tidb_log_backup_last_checkpoint{%s} %d %d\n", lbl(task), tikvmetrics.TSO(cp), at.Unix())
		}
	}
	b.WriteString("# EOF\n")
	if err := os.WriteFile(filepath.Join(dir, "history.om"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	promtool, err := promserver.Tool("promtool")
	if err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "data")
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", filepath.Join(dir, "history.om"), dataDir).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	return dataDir, stuckSince
}

func countState(stores []report.StoreState, state string) int {
	n := 0
	for _, s := range stores {
		if s.State == state {
			n++
		}
	}
	return n
}

func hasAlert(p *report.AlertsPart, name string) bool {
	if p == nil {
		return false
	}
	for _, a := range p.Items {
		if a.Name == name {
			return true
		}
	}
	return false
}

func wantFinding(t *testing.T, r *report.Report, sev report.Severity, wants ...string) {
	t.Helper()
	var all []string
	for _, f := range r.Diagnosis {
		all = append(all, string(f.Severity)+": "+f.Summary)
		if f.Severity != sev {
			continue
		}
		ok := true
		for _, w := range wants {
			ok = ok && strings.Contains(f.Summary+" "+f.Next, w)
		}
		if ok {
			return
		}
	}
	t.Errorf("no %s finding with %q in:\n%s", sev, wants, strings.Join(all, "\n"))
}
