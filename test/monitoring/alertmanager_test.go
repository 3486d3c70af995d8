package monitoringtest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/logbackup/kubectl-logbackup/monitoring"
)

// writeAlertmanager writes what "kubectl logbackup monitoring alertmanager"
// prints (config and templates) side by side, as the help says to install
// them, and returns the config's path.
func writeAlertmanager(t *testing.T, dir string) string {
	t.Helper()
	var config string
	for _, part := range monitoring.AlertmanagerParts() {
		printed := plugin(t, "alertmanager", "--file", part)
		rendered, err := monitoring.Alertmanager(part)
		sameBytes(t, "alertmanager --file "+part, printed, rendered, err)
		name, err := monitoring.AlertmanagerFileName(part)
		if err != nil {
			t.Fatal(err)
		}
		p := writeFile(t, dir, name, printed)
		if part == monitoring.AlertmanagerConfig {
			config = p
		}
	}
	// Without --file the command prints the config.
	printed := plugin(t, "alertmanager")
	rendered, err := monitoring.Alertmanager(monitoring.AlertmanagerConfig)
	sameBytes(t, "alertmanager", printed, rendered, err)
	return config
}

func TestAlertmanagerCheckConfig(t *testing.T) {
	tool(t, "amtool")
	dir := t.TempDir()
	writeAlertmanager(t, dir)
	out := mustRun(t, dir, "amtool", "check-config", "alertmanager.yml")
	for _, want := range []string{"SUCCESS", "4 receivers", "1 templates", "2 inhibit rules"} {
		if !strings.Contains(out, want) {
			t.Errorf("amtool check-config: no %q in\n%s", want, out)
		}
	}
	t.Logf("amtool check-config:\n%s", out)
}

// TestAlertmanagerRoutes checks the routing tree with amtool: log backup
// retry alerts go by severity, every one of them also to the webhook, and
// other alerts to the default receiver.
func TestAlertmanagerRoutes(t *testing.T) {
	tool(t, "amtool")
	dir := t.TempDir()
	writeAlertmanager(t, dir)
	base := []string{"alertname=LogBackupRetriesExhausted", "component=tidb-operator", "feature=log-backup-retry", "namespace=demo", "backup=flaky"}
	for _, tc := range []struct {
		labels    []string
		receivers string
	}{
		{append(slices.Clone(base), "severity=critical"), "logbackup-webhook,logbackup-critical"},
		{append(slices.Clone(base), "severity=warning"), "logbackup-webhook,logbackup-warning"},
		{append(slices.Clone(base), "severity=info"), "logbackup-webhook,logbackup-warning"},
		{[]string{"alertname=LogBackupRetryMetricsMissing", "component=tidb-operator", "feature=log-backup-retry", "severity=warning"}, "logbackup-webhook,logbackup-warning"},
		{[]string{"alertname=LogBackupTaskError", "component=tidb-log-backup", "feature=log-backup-task", "namespace=demo", "task=pitr", "severity=critical"}, "logbackup-webhook,logbackup-critical"},
		{[]string{"alertname=LogBackupRPOHigh", "component=tidb-log-backup", "feature=log-backup-task", "namespace=demo", "task=pitr", "severity=warning"}, "logbackup-webhook,logbackup-warning"},
		{[]string{"alertname=KubePodCrashLooping", "severity=critical"}, "ops-email"},
		{[]string{"alertname=Other", "component=tidb-operator", "severity=critical"}, "ops-email"},
	} {
		args := append([]string{"config", "routes", "test", "--config.file=alertmanager.yml", "--verify.receivers=" + tc.receivers}, tc.labels...)
		if out, err := run(t, dir, "amtool", args...); err != nil {
			t.Errorf("%v: want receivers %s: %v\n%s", tc.labels, tc.receivers, err, out)
		}
	}
}

// TestAlertmanagerConfigContent checks what check-config does not: matchers
// instead of match, grouping, secrets from files, no placeholder, every
// receiver reachable.
func TestAlertmanagerConfigContent(t *testing.T) {
	data, err := monitoring.Alertmanager(monitoring.AlertmanagerConfig)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, bad := range []string{"YOUR_", "match:", "match_re:", "service_key:", "api_url:", "routing_key:", "auth_password:", "bearer_token:", "credentials:", "subject:", "body:"} {
		if strings.Contains(text, bad) {
			t.Errorf("config contains %q", bad)
		}
	}
	for _, want := range []string{"api_url_file:", "routing_key_file:", "smtp_auth_password_file:", "credentials_file:"} {
		if !strings.Contains(text, want) {
			t.Errorf("config lacks %q", want)
		}
	}
	type route struct {
		Receiver      string   `json:"receiver"`
		Matchers      []string `json:"matchers"`
		GroupBy       []string `json:"group_by"`
		GroupInterval string   `json:"group_interval"`
		Continue      bool     `json:"continue"`
		Routes        []route  `json:"routes"`
	}
	var cfg struct {
		Route     route `json:"route"`
		Receivers []struct {
			Name string `json:"name"`
		} `json:"receivers"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if d, err := time.ParseDuration(cfg.Route.GroupInterval); err != nil || d < time.Minute {
		t.Errorf("group_interval %q: want at least 1m", cfg.Route.GroupInterval)
	}
	used := map[string]bool{}
	var walk func(route)
	walk = func(r route) {
		used[r.Receiver] = true
		for _, c := range r.Routes {
			walk(c)
		}
	}
	walk(cfg.Route)
	for _, r := range cfg.Receivers {
		if !used[r.Name] {
			t.Errorf("receiver %s is routed from nowhere", r.Name)
		}
	}
	var lb *route
	for i, r := range cfg.Route.Routes {
		if slices.Contains(r.Matchers, `component = "tidb-operator"`) && slices.Contains(r.Matchers, `feature = "log-backup-retry"`) {
			lb = &cfg.Route.Routes[i]
		}
	}
	if lb == nil {
		t.Fatal("no route with matchers component=tidb-operator, feature=log-backup-retry")
	}
	if !slices.Contains(lb.GroupBy, "namespace") || !slices.Contains(lb.GroupBy, "backup") {
		t.Errorf("log backup route groups by %v: want namespace and backup", lb.GroupBy)
	}
}

// templatedFields returns every string of the config that holds a template,
// keyed by its path in the config.
func templatedFields(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	var walk func(string, any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				walk(path+"."+k, c)
			}
		case []any:
			for i, c := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), c)
			}
		case string:
			if strings.Contains(v, "{{") {
				fields[path] = v
			}
		}
	}
	walk("", doc)
	return fields
}

// TestAlertmanagerTemplatesRender renders, with amtool template render and
// the templates file, every templated field of the config and every template
// the file defines, for a firing critical alert of a backup and for a
// resolved alert without backup labels.
func TestAlertmanagerTemplatesRender(t *testing.T) {
	tool(t, "amtool")
	dir := t.TempDir()
	writeAlertmanager(t, dir)
	config, err := os.ReadFile(filepath.Join(dir, "alertmanager.yml"))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile(filepath.Join(dir, "logbackup.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	fields := templatedFields(t, config)
	if len(fields) < 10 {
		t.Fatalf("only %d templated fields in the config", len(fields))
	}
	// Every template the config uses is defined in the file, and the other way round.
	defined := map[string]bool{}
	for _, m := range regexp.MustCompile(`{{-? *define "([^"]+)"`).FindAllStringSubmatch(string(tmpl), -1) {
		defined[m[1]] = true
	}
	usedInConfig := map[string]bool{}
	for path, f := range fields {
		for _, m := range regexp.MustCompile(`{{-? *template "([^"]+)"`).FindAllStringSubmatch(f, -1) {
			usedInConfig[m[1]] = true
			if !defined[m[1]] {
				t.Errorf("%s uses template %q, which logbackup.tmpl does not define", path, m[1])
			}
		}
	}
	var names []string
	for n := range defined {
		names = append(names, n)
	}
	sort.Strings(names)

	type job struct{ what, text, typ string }
	var jobs []job
	for path, f := range fields {
		typ := "text"
		if strings.HasSuffix(path, ".html") {
			typ = "html"
		}
		jobs = append(jobs, job{"config field " + path, f, typ})
	}
	for _, n := range names {
		typ := "text"
		if strings.HasSuffix(n, ".html") {
			typ = "html"
		}
		jobs = append(jobs, job{"template " + n, `{{ template "` + n + `" . }}`, typ})
	}
	dataDir := filepath.Join(sourceDir(t), "testdata", "alertmanager")
	for _, data := range []string{"firing.json", "missing-resolved.json", "task-firing.json"} {
		for _, j := range jobs {
			out, err := run(t, dir, "amtool", "template", "render",
				"--template.glob=logbackup.tmpl",
				"--template.type="+j.typ,
				"--template.text="+j.text,
				"--template.data="+filepath.Join(dataDir, data))
			if err != nil {
				t.Errorf("%s with %s: %v\n%s", j.what, data, err, out)
				continue
			}
			if strings.TrimSpace(out) == "" || strings.Contains(out, "<no value>") {
				t.Errorf("%s with %s rendered %q", j.what, data, out)
			}
		}
	}
	// Spot checks of what a person reads.
	out := mustRun(t, dir, "amtool", "template", "render", "--template.glob=logbackup.tmpl",
		`--template.text={{ template "logbackup.slack.text" . }}`, "--template.data="+filepath.Join(dataDir, "firing.json"))
	for _, want := range []string{"*Backup:* `demo/flaky`", "*Severity:* critical", "*Runbook:* `kubectl logbackup investigate demo/flaky`"} {
		if !strings.Contains(out, want) {
			t.Errorf("slack text lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, dir, "amtool", "template", "render", "--template.glob=logbackup.tmpl",
		`--template.text={{ template "logbackup.title" . }}`, "--template.data="+filepath.Join(dataDir, "missing-resolved.json"))
	if want := "[RESOLVED] LogBackupRetryMetricsMissing: all backups"; strings.TrimSpace(out) != want {
		t.Errorf("title = %q, want %q", out, want)
	}
	// A log backup task alert names its task, not "all backups".
	out = mustRun(t, dir, "amtool", "template", "render", "--template.glob=logbackup.tmpl",
		`--template.text={{ template "logbackup.title" . }} {{ template "logbackup.slack.text" . }}`, "--template.data="+filepath.Join(dataDir, "task-firing.json"))
	for _, want := range []string{"[FIRING:1] LogBackupTaskError: tidb/pitr (log backup task)", "*Backup:* `tidb/pitr` (log backup task)"} {
		if !strings.Contains(out, want) {
			t.Errorf("task alert lacks %q:\n%s", want, out)
		}
	}
}
