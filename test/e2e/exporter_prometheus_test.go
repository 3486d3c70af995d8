package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/fleet"
	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
	"github.com/logbackup/kubectl-logbackup/test/promserver"
)

// The seed's whole chain on real parts: backups of both groups in the API
// server -> the exporter -> a real Prometheus scraping it every second,
// with the rules `kubectl logbackup monitoring rules --profile dev`
// prints -> the test writes status as the controllers do -> the alerts
// fire in Prometheus, and the dashboards' queries return data.
//
// The backups: tidb/storm retries twenty times in a minute, then fails on
// its retry count (LogBackupHighRetryRate, LogBackupRetriesExhausted);
// tidb/slow fails on its retry timeout (LogBackupRetryTimeout); tidb/stuck
// (v2) keeps five retries pending (LogBackupPersistentRetryFailure is
// pending for its 5m, the Health dashboard lists it); tidb/flaky (v2)
// retries once and runs again (a success for the success-rate panel).
func TestExporterPrometheusAlerts(t *testing.T) {
	ctx := context.Background()
	ns := sanitize("exp-prom-" + uniqueName(t))
	now := time.Now()
	at := func(d time.Duration) *time.Time { x := now.Add(d).Truncate(time.Second); return &x }
	// Record n was detected 30-n minutes ago and due a minute later.
	rec := func(n int, ran bool, orig string) backup.RetryRecord {
		detected := time.Duration(n-30) * time.Minute
		r := backup.RetryRecord{RetryNum: n, DetectFailedAt: at(detected), ExpectedRetryAt: at(detected + time.Minute),
			RetryReason: "Job " + ns + "/backup-x has failed", OriginalReason: orig}
		if ran {
			r.RealRetryAt = r.ExpectedRetryAt
		}
		return r
	}
	policy := map[string]any{"maxRetryTimes": int64(20), "minRetryDuration": "1m", "retryTimeout": "2h"}
	for _, b := range []fixtures.Backup{
		{Group: backup.GroupV1, Namespace: ns, Name: "storm", Phase: "Running", Policy: policy},
		{Group: backup.GroupV1, Namespace: ns, Name: "slow", Phase: "Scheduled", Policy: policy, Records: []backup.RetryRecord{rec(1, true, "BackoffLimitExceeded")}},
		{Group: backup.GroupV2, Namespace: ns, Name: "stuck", Phase: "Running", Policy: policy},
		{Group: backup.GroupV2, Namespace: ns, Name: "flaky", Phase: "Running", Policy: policy},
	} {
		if _, err := s.env.CreateBackup(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	x := startExporter(t, s.kubeconfig, "-A=false", "-n", ns)

	rules, err := exec.Command(s.bin, "monitoring", "rules", "--profile", "dev").Output()
	if err != nil {
		t.Fatal(err)
	}
	prom := promserver.Start(t, promserver.Options{
		Config: fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n- job_name: logbackup-exporter\n  static_configs:\n  - targets: [%q]\n",
			strings.TrimPrefix(x.base, "http://")),
		Files:     map[string][]byte{"rules.yml": rules},
		RuleFiles: []string{"rules.yml"},
	})
	api := prom.API()
	// Prometheus has scraped the series at 0 before anything happens, so
	// increase() sees every event.
	waitForLong(t, "Prometheus to scrape the backups at 0", time.Minute, func() bool {
		return len(query(t, api, `tidb_operator_log_backup_retry_exhausted_total{namespace="`+ns+`"}`)) == 4
	})

	// The controllers write: twenty retries of storm, then the count;
	// slow's timeout; stuck's five pending; flaky's success.
	var storm []backup.RetryRecord
	for n := 1; n <= 20; n++ {
		storm = append(storm, rec(n, n < 20, []string{"OOMKilled", "BackoffLimitExceeded"}[n%2]))
		setRecords(t, backup.GroupV1, ns, "storm", storm...)
	}
	setStatus(t, backup.GroupV1, ns, "storm", "Failed", "AlreadyFailed", "exceed retry times, max is 20, failed reason Job has failed, original reason OOMKilled")
	setStatus(t, backup.GroupV1, ns, "slow", "Failed", "RetryTimeout", "retry timeout")
	setRecords(t, backup.GroupV2, ns, "stuck", rec(1, true, "Evicted"), rec(2, true, "Evicted"), rec(3, true, "Evicted"), rec(4, true, "Evicted"), rec(5, false, "Evicted"))
	setRecords(t, backup.GroupV2, ns, "flaky", rec(1, true, "BackoffLimitExceeded"))
	setStatus(t, backup.GroupV2, ns, "flaky", "Complete", "", "")

	// The alerts, from Prometheus' alerts API. LogBackupHighRetryRate
	// holds for 2m before it fires.
	want := map[string]string{
		"LogBackupRetriesExhausted/storm":       "firing",
		"LogBackupRetryTimeout/slow":            "firing",
		"LogBackupHighRetryRate/storm":          "firing",
		"LogBackupPersistentRetryFailure/stuck": "pending",
	}
	var last map[string]string
	waitForLong(t, "the alerts to fire", 4*time.Minute, func() bool {
		last = alerts(t, api, ns)
		for k, state := range want {
			if last[k] != state {
				return false
			}
		}
		return true
	})
	// Also right: the retries of storm, slow and stuck that ran were each
	// followed by a new failure, so their success ratio is 0 (below the dev
	// profile's 70 %), pending for its 5m. Nothing else may be active.
	also := map[string]string{"LogBackupLowRetrySuccessRate/storm": "pending", "LogBackupLowRetrySuccessRate/slow": "pending",
		"LogBackupLowRetrySuccessRate/stuck": "pending"}
	for k, state := range last {
		if want[k] == "" && also[k] != state {
			t.Errorf("alert %s is %s, which nothing here should cause", k, state)
		}
	}
	if _, ok := last["LogBackupRetryMetricsMissing/"]; ok {
		t.Error("LogBackupRetryMetricsMissing is active while the exporter serves the metrics")
	}

	// Every dashboard query of the exporter's metrics returns data (but
	// "Stalled Retries", which needs a series 30 minutes old: see below).
	out, err := exec.Command(s.bin, "monitoring", "dashboards").Output()
	if err != nil {
		t.Fatal(err)
	}
	var dashboards []struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(out, &dashboards); err != nil {
		t.Fatal(err)
	}
	queries := 0
	for _, d := range dashboards {
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				if p.Title == "Stalled Retries" {
					// A backup retrying with no new retry in 30 minutes, whose
					// series is older than that: no live test can have one;
					// the backfilled test of test/monitoring gives it data.
					continue
				}
				if !strings.Contains(tg.Expr, "tidb_operator_log_backup_") {
					// The log backup task panels read what TiDB and TiKV
					// export, not the exporter: the backfilled test data of
					// test/monitoring has them.
					continue
				}
				queries++
				if v := query(t, api, tg.Expr); len(v) == 0 {
					t.Errorf("%s / %s: no data for %s", d.Title, p.Title, tg.Expr)
				}
			}
		}
	}
	if queries < 7 {
		t.Errorf("only %d dashboard queries ran", queries)
	}
	// What the panels say, for the figures in the log.
	t.Logf("retry rate of storm: %v; exhausted in 1h: %v; success ratio of flaky: %v",
		query(t, api, `sum by (backup) (rate(tidb_operator_log_backup_retry_total{namespace="`+ns+`",backup="storm"}[5m]))`),
		query(t, api, `sum(increase(tidb_operator_log_backup_retry_exhausted_total{namespace="`+ns+`"}[1h]))`),
		query(t, api, `sum(rate(tidb_operator_log_backup_retry_result_total{namespace="`+ns+`",backup="flaky",result="success"}[10m])) / sum(rate(tidb_operator_log_backup_retry_result_total{namespace="`+ns+`",backup="flaky"}[10m]))`))

	pluginFiguresMatch(t, prom.URL, ns)
	historyMatches(t, prom.URL, ns)
	x.stop(t)
}

// pluginFiguresMatch: what investigate, metrics and status -o wide show
// from this Prometheus is what the test made happen above.
func pluginFiguresMatch(t *testing.T, promURL, ns string) {
	t.Helper()
	at := func(f *float64) float64 {
		if f == nil {
			return -1
		}
		return *f
	}
	api := promAPI(t, promURL)
	// Each figure is what Prometheus itself answers for the same series
	// (increase() extrapolates, and the two queries are a moment apart).
	same := func(name string, got *float64, q string) {
		t.Helper()
		v := query(t, api, q)
		want := -1.0
		if len(v) > 0 {
			want = float64(v[0].Value)
		}
		if g := at(got); g < want-0.5 || g > want+0.5 {
			t.Errorf("%s: the plugin says %v, Prometheus %v (%s)", name, g, want, q)
		}
	}
	for _, b := range []string{"storm", "slow", "stuck", "flaky"} {
		rep := investigateJSON(t, ns+"/"+b, "--prometheus-url", promURL)
		m := rep.Metrics
		if !strings.Contains(m.Prometheus, "(--prometheus-url)") || m.Error != "" || m.Retries == nil || m.Retries.Note != "" || m.Retries.Error != "" {
			t.Fatalf("%s: metrics section %+v", b, m)
		}
		sel := `{namespace="` + ns + `",backup="` + b + `"}`
		r := m.Retries
		same(b+" current", r.Current, `max(tidb_operator_log_backup_retry_current`+sel+`)`)
		same(b+" exhausted", r.Exhausted, `sum(increase(tidb_operator_log_backup_retry_exhausted_total`+sel+`[1h]))`)
		same(b+" timeouts", r.Timeouts, `sum(increase(tidb_operator_log_backup_retry_timeout_total`+sel+`[1h]))`)
		same(b+" results", r.Results, `sum(increase(tidb_operator_log_backup_retry_result_total`+sel+`[1h]))`)
		switch b {
		case "storm":
			// Twenty retries, then exhausted: the alerts say so too.
			if at(r.Exhausted) < 0.5 || at(r.RatePerHour) <= 0 || r.P50 == nil {
				t.Errorf("storm: exhausted %v, rate %v, p50 %v", at(r.Exhausted), at(r.RatePerHour), r.P50)
			}
			firing := map[string]string{}
			for _, a := range m.Alerts.Items {
				firing[a.Name] = a.State + "/" + a.Severity
			}
			if firing["LogBackupRetriesExhausted"] != "firing/critical" || firing["LogBackupHighRetryRate"] == "" {
				t.Errorf("storm: alerts %v", firing)
			}
		case "slow":
			if at(r.Timeouts) < 0.5 || at(r.Exhausted) > 0.5 {
				t.Errorf("slow: one timeout, no exhaustion: timeouts %v exhausted %v", at(r.Timeouts), at(r.Exhausted))
			}
		case "flaky":
			if at(r.SuccessRatio) != 1 || at(r.Current) != 0 {
				t.Errorf("flaky: its one retry succeeded: ratio %v current %v", at(r.SuccessRatio), at(r.Current))
			}
		}
	}

	// The fleet view: every backup with figures, the exhausted ones first.
	list, names := metricsJSON(t, "-n", ns, "--prometheus-url", promURL)
	// slow and storm each have a critical alert firing (timeout,
	// exhaustion): most urgent, by name; flaky, whose retry worked, last.
	if strings.Join(names, ",") != "slow,storm,stuck,flaky" {
		t.Errorf("metrics rows %v: want slow, storm (critical alerts), stuck, flaky", names)
	}
	if len(list.Notes) == 0 || !strings.Contains(strings.Join(list.Notes, " "), "no TiKV log backup metrics") {
		t.Errorf("metrics notes %v: this Prometheus scrapes no TiKV", list.Notes)
	}
	text := plugin(t, "metrics", "-n", ns, "--prometheus-url", promURL)
	if text.code != 0 || !strings.Contains(text.stdout, "RETRIES/H") || !strings.Contains(text.stdout, "LogBackupRetriesExhausted") {
		t.Errorf("metrics text: exit %d\n%s\n%s", text.code, text.stdout, text.stderr)
	}
	wide := plugin(t, "status", "-n", ns, "-o", "wide", "--prometheus-url", promURL)
	if wide.code != 0 || !strings.Contains(wide.stdout, "RETRIES/H") || !strings.Contains(wide.stdout, "LogBackupRetriesExhausted") {
		t.Errorf("status -o wide: exit %d\n%s\n%s", wide.code, wide.stdout, wide.stderr)
	}
	plain := plugin(t, "status", "-n", ns, "--prometheus-url", promURL)
	if strings.Contains(plain.stdout, "RETRIES/H") {
		t.Errorf("status without -o wide asks Prometheus:\n%s", plain.stdout)
	}
}

// historyMatches: the alert history a timeline reads is what Prometheus
// did: storm's LogBackupHighRetryRate pending, then firing its 2m later;
// stuck's LogBackupPersistentRetryFailure pending since it became active.
func historyMatches(t *testing.T, promURL, ns string) {
	t.Helper()
	cfg := promapi.Config{URL: promURL}
	storm := figuresWithHistory(t, cfg, promapi.Kube{}, promapi.Target{Namespace: ns, Name: "storm"})
	checkPendingThenFiring(t, storm.Alerts, "LogBackupHighRetryRate", 2*time.Minute)
	t.Logf("storm's alert history: %+v", storm.Alerts.History) // for the log
	// investigate --timeline draws each transition at its time.
	rep := investigateJSON(t, ns+"/storm", "--timeline", "--prometheus-url", promURL)
	for _, tr := range transitionsOf(storm.Alerts, "LogBackupHighRetryRate") {
		if !timelineHas(rep, report.SourceAlert, "alert LogBackupHighRetryRate "+tr.State, tr.At) {
			t.Errorf("storm's timeline lacks %s %s at %s: %+v", tr.Name, tr.State, tr.At, rep.Timeline)
		}
	}
	stuck := figuresWithHistory(t, cfg, promapi.Kube{}, promapi.Target{Namespace: ns, Name: "stuck"})
	trs := transitionsOf(stuck.Alerts, "LogBackupPersistentRetryFailure")
	var since *time.Time
	for _, a := range stuck.Alerts.Items {
		if a.Name == "LogBackupPersistentRetryFailure" && a.State == "pending" {
			since = a.Since
		}
	}
	if len(trs) != 1 || trs[0].State != "pending" || since == nil || !trs[0].At.Truncate(time.Second).Equal(*since) {
		t.Errorf("stuck: history %+v, want one pending at %v (ALERTS_FOR_STATE)", trs, since)
	}
}

// metricsJSON runs `metrics -o json` and returns the list and its rows' names,
// in order.
func metricsJSON(t *testing.T, args ...string) (*fleet.MetricsList, []string) {
	t.Helper()
	r := plugin(t, append([]string{"metrics", "-o", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("metrics: exit %d: %s", r.code, r.stderr)
	}
	var list fleet.MetricsList
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, it := range list.Items {
		names = append(names, it.Name)
	}
	return &list, names
}

// promAPI is a client of the Prometheus at url.
func promAPI(t *testing.T, url string) promv1.API {
	t.Helper()
	c, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		t.Fatal(err)
	}
	return promv1.NewAPI(c)
}

// query is an instant query's vector.
func query(t *testing.T, api promv1.API, q string) model.Vector {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, warnings, _, err := api.Query(ctx, q, time.Now())
	if err != nil || len(warnings) > 0 {
		t.Fatalf("query %s: %v %v", q, err, warnings)
	}
	vec, _ := v.(model.Vector)
	return vec
}

// alerts are the active alerts of a namespace (and the ones without one),
// as "alertname/backup" -> state.
func alerts(t *testing.T, api promv1.API, ns string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := api.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range res.Alerts {
		if n := string(a.Labels["namespace"]); n != "" && n != ns {
			continue
		}
		out[string(a.Labels["alertname"])+"/"+string(a.Labels["backup"])] = string(a.State)
	}
	return out
}

// setStatus sets a backup's phase and, with a reason, a Failed or other
// condition of that type, as its controller would.
func setStatus(t *testing.T, group, ns, name, phase, reason, message string) {
	t.Helper()
	editStatusIn(t, group, ns, name, func(st map[string]any) {
		st["phase"] = phase
		if reason != "" {
			st["conditions"] = []any{map[string]any{"type": phase, "status": "True", "reason": reason, "message": message,
				"lastTransitionTime": time.Now().UTC().Format(time.RFC3339)}}
		}
	})
}

func waitForLong(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(time.Second)
	}
}
