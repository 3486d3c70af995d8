package monitoring

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The thresholds of the seed's "Set Appropriate Thresholds" block.
func TestProfiles(t *testing.T) {
	want := map[string]Profile{
		"dev":     {Name: "dev", HighRetryRate: 0.05, LowSuccessRate: 0.7, PersistentRetryFor: "5m", RPOWarning: "30m", RPOCritical: "2h", PausedFor: "12h"},
		"default": {Name: "default", HighRetryRate: 0.1, LowSuccessRate: 0.5, PersistentRetryFor: "15m", RPOWarning: "10m", RPOCritical: "30m", PausedFor: "2h"},
		"prod":    {Name: "prod", HighRetryRate: 0.2, LowSuccessRate: 0.3, PersistentRetryFor: "30m", RPOWarning: "5m", RPOCritical: "15m", PausedFor: "1h"},
	}
	for name, w := range want {
		p, err := LookupProfile(name)
		if err != nil || p != w {
			t.Errorf("LookupProfile(%s) = %+v, %v; want %+v", name, p, err, w)
		}
	}
	if _, err := LookupProfile("staging"); err == nil || err.Error() != `unknown profile "staging": must be one of dev, default, prod` {
		t.Errorf("unknown profile: %v", err)
	}
}

func TestRulesRender(t *testing.T) {
	for _, p := range Profiles() {
		prof, _ := LookupProfile(p)
		for _, f := range Formats() {
			b, err := Rules(p, f)
			if err != nil {
				t.Fatalf("%s/%s: %v", p, f, err)
			}
			again, _ := Rules(p, f)
			if !bytes.Equal(b, again) {
				t.Errorf("%s/%s: output is not deterministic", p, f)
			}
			s := string(b)
			if strings.Contains(s, "[[") || strings.Contains(s, "]]") || strings.Contains(s, "<no value>") {
				t.Errorf("%s/%s: unrendered template action", p, f)
			}
			for _, want := range []string{
				"> " + formatNumber(prof.HighRetryRate) + "\n",
				"< " + formatNumber(prof.LowSuccessRate) + "\n",
				"for: " + prof.PersistentRetryFor + "\n",
				"(threshold " + formatPercent(prof.LowSuccessRate) + ")",
			} {
				if !strings.Contains(s, want) {
					t.Errorf("%s/%s: no %q", p, f, want)
				}
			}
			var doc map[string]any
			if err := yaml.Unmarshal(b, &doc); err != nil {
				t.Errorf("%s/%s: not YAML: %v", p, f, err)
			}
		}
	}
	if _, err := Rules("default", "json"); err == nil || err.Error() != `unknown format "json": must be one of rules, prometheusrule` {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := Rules("qa", FormatRules); err == nil {
		t.Error("unknown profile: no error")
	}
}

func TestDashboardsRender(t *testing.T) {
	all, err := Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal(all, &list); err != nil || len(list) != 2 {
		t.Fatalf("Dashboards() = %d dashboards, %v", len(list), err)
	}
	for i, n := range DashboardNames() {
		b, err := Dashboard(n)
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if d["uid"] != list[i]["uid"] || d["uid"] != "tidb-"+n {
			t.Errorf("%s: uid %v", n, d["uid"])
		}
	}
	if _, err := Dashboard("overview"); err == nil || !strings.Contains(err.Error(), "must be one of log-backup-retry, log-backup-health") {
		t.Errorf("unknown dashboard: %v", err)
	}
}

func TestAlertmanagerFiles(t *testing.T) {
	for part, name := range map[string]string{AlertmanagerConfig: "alertmanager.yml", AlertmanagerTemplates: "logbackup.tmpl"} {
		b, err := Alertmanager(part)
		if err != nil || len(b) == 0 {
			t.Fatalf("%s: %v", part, err)
		}
		if got, _ := AlertmanagerFileName(part); got != name {
			t.Errorf("AlertmanagerFileName(%s) = %s", part, got)
		}
	}
	cfg, _ := Alertmanager(AlertmanagerConfig)
	if !strings.Contains(string(cfg), "- 'logbackup.tmpl'") {
		t.Error("the config does not load logbackup.tmpl")
	}
	if _, err := Alertmanager("secrets"); err == nil || !strings.Contains(err.Error(), "must be one of config, templates") {
		t.Errorf("unknown part: %v", err)
	}
}

// TestEmbeddedFilesNameOnlyExistingCommands scans every embedded file, and
// every rendered output, for "kubectl logbackup WORD" and fails when WORD is
// not a subcommand of the plugin (such as the non-existent "events"). JSON
// files are also checked after decoding, so that a reference split by an
// escaped line break is seen.
//
// The verbs that these files may name are listed here (this package cannot
// import the command tree: it imports this package); test/monitoring checks
// the same files against the real command tree.
func TestEmbeddedFilesNameOnlyExistingCommands(t *testing.T) {
	commands := map[string]bool{"investigate": true, "reset-retries": true, "monitoring": true, "exporter": true, "status": true}
	ref := regexp.MustCompile(`kubectl\s+logbackup\s+([\w-]+)`)
	check := func(what, text string) {
		t.Helper()
		for _, m := range ref.FindAllStringSubmatch(text, -1) {
			if !commands[m[1]] {
				t.Errorf("%s refers to %q: kubectl logbackup has no subcommand %q", what, m[0], m[1])
			}
		}
	}
	var walk func(what string, v any)
	walk = func(what string, v any) {
		switch v := v.(type) {
		case string:
			check(what, v)
		case []any:
			for _, e := range v {
				walk(what, e)
			}
		case map[string]any:
			for _, e := range v {
				walk(what, e)
			}
		}
	}
	n := 0
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		check(path, string(b))
		if strings.HasSuffix(path, ".json") {
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Errorf("%s: %v", path, err)
			}
			walk(path, v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("scanned %d embedded files, want 5 (rules template, 2 dashboards, Alertmanager config and templates)", n)
	}
	for _, p := range Profiles() {
		for _, f := range Formats() {
			b, err := Rules(p, f)
			if err != nil {
				t.Fatal(err)
			}
			check("rules "+p+"/"+f, string(b))
		}
	}
	for _, part := range AlertmanagerParts() {
		b, err := Alertmanager(part)
		if err != nil {
			t.Fatal(err)
		}
		check("alertmanager "+part, string(b))
	}
	b, err := Dashboards()
	if err != nil {
		t.Fatal(err)
	}
	check("dashboards", string(b))
	health, err := Dashboard("log-backup-health")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(health, []byte("kubectl logbackup investigate NAMESPACE/NAME")) || bytes.Contains(health, []byte("logbackup events")) {
		t.Error("the health dashboard must send users to kubectl logbackup investigate NAMESPACE/NAME, and to no events command")
	}
}

// The profiles are built fresh on every call: changing what one call returned
// does not change the next.
func TestNoSharedState(t *testing.T) {
	names := Profiles()
	names[0] = "changed"
	if Profiles()[0] != "dev" {
		t.Error("Profiles() returns shared state")
	}
	ps := profiles()
	ps[0].HighRetryRate = 99
	if p, _ := LookupProfile("dev"); p.HighRetryRate != 0.05 {
		t.Error("profiles() returns shared state")
	}
}
