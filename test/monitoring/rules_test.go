package monitoringtest

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/logbackup/kubectl-logbackup/monitoring"
)

// The seed's six alerts plus the metrics-source alert.
var alertNames = []string{
	"LogBackupHighRetryRate",
	"LogBackupLowRetrySuccessRate",
	"LogBackupRetriesExhausted",
	"LogBackupPersistentRetryFailure",
	"LogBackupRetryTimeout",
	"LogBackupNoRetryProgress",
	"LogBackupRetryMetricsMissing",
	"LogBackupRPOHigh",
	"LogBackupRPOCritical",
	"LogBackupPausedTooLong",
	"LogBackupTaskError",
	"LogBackupCheckpointBehindGCSafePoint",
}

type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Expr        string            `json:"expr"`
			For         string            `json:"for"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

// promtoolTests names the promtool unit-test files (monitoring/testdata/promtool)
// that run against each profile's rules.
var promtoolTests = map[string][]string{
	"dev":     {"thresholds_dev.yaml"},
	"default": {"rules_test.yaml", "thresholds_default.yaml", "task_test.yaml"},
	"prod":    {"thresholds_prod.yaml"},
}

// TestRules checks, for every profile, what "kubectl logbackup monitoring
// rules" prints in both formats: promtool check rules on it, promtool test
// rules on the plain rule file, the same groups in the PrometheusRule, and the
// content rules (names, labels, humanized descriptions, runbooks, metrics).
func TestRules(t *testing.T) {
	tool(t, "promtool")
	if got := monitoring.Profiles(); !slices.Equal(got, []string{"dev", "default", "prod"}) {
		t.Fatalf("profiles = %v", got)
	}
	for _, profile := range monitoring.Profiles() {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()

			plain := plugin(t, "rules", "--profile", profile, "--format", "rules")
			want, err := monitoring.Rules(profile, monitoring.FormatRules)
			sameBytes(t, "rules --format rules", plain, want, err)
			writeFile(t, dir, "rules.yaml", plain)
			out := mustRun(t, dir, "promtool", "check", "rules", "rules.yaml")
			if !strings.Contains(out, "SUCCESS: 12 rules found") {
				t.Fatalf("promtool check rules:\n%s", out)
			}

			pr := plugin(t, "rules", "--profile", profile, "--format", "prometheusrule")
			want, err = monitoring.Rules(profile, monitoring.FormatPrometheusRule)
			sameBytes(t, "rules --format prometheusrule", pr, want, err)
			var obj struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name        string            `json:"name"`
					Labels      map[string]string `json:"labels"`
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
				Spec ruleFile `json:"spec"`
			}
			if err := yaml.UnmarshalStrict(pr, &obj); err != nil {
				t.Fatalf("PrometheusRule: %v", err)
			}
			if obj.APIVersion != "monitoring.coreos.com/v1" || obj.Kind != "PrometheusRule" || obj.Metadata.Name != monitoring.PrometheusRuleName {
				t.Fatalf("PrometheusRule header: %s %s %s", obj.APIVersion, obj.Kind, obj.Metadata.Name)
			}
			if obj.Metadata.Annotations["kubectl-logbackup/profile"] != profile {
				t.Errorf("PrometheusRule annotations: %v", obj.Metadata.Annotations)
			}
			var groups ruleFile
			if err := yaml.UnmarshalStrict(plain, &groups); err != nil {
				t.Fatalf("rule file: %v", err)
			}
			if !reflect.DeepEqual(obj.Spec, groups) {
				t.Fatal("the PrometheusRule's spec differs from the plain rule groups")
			}
			// promtool on the PrometheusRule's spec as well.
			spec, err := yaml.Marshal(obj.Spec)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "spec.yaml", spec)
			if out := mustRun(t, dir, "promtool", "check", "rules", "spec.yaml"); !strings.Contains(out, "SUCCESS: 12 rules found") {
				t.Fatalf("promtool check rules on the PrometheusRule spec:\n%s", out)
			}

			checkRuleContent(t, groups)

			// promtool test rules with the unit tests written for this profile.
			args := []string{"test", "rules"}
			for _, f := range promtoolTests[profile] {
				data, err := os.ReadFile(filepath.Join(sourceDir(t), "testdata", "promtool", f))
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, dir, f, data)
				args = append(args, f)
			}
			out = mustRun(t, dir, "promtool", args...)
			if strings.Contains(out, "FAILED") || strings.Count(out, "SUCCESS") != len(promtoolTests[profile]) {
				t.Fatalf("promtool test rules:\n%s", out)
			}
			t.Logf("promtool %s:\n%s", strings.Join(args, " "), out)
		})
	}
}

func checkRuleContent(t *testing.T, f ruleFile) {
	t.Helper()
	var names []string
	for _, g := range f.Groups {
		// The retry group reads the exporter's metrics, per backup; the task
		// group reads TiDB's and TiKV's own, per log backup task (named after
		// its Backup).
		component, feature, runbook := "tidb-operator", "log-backup-retry", "kubectl logbackup investigate {{ $labels.namespace }}/{{ $labels.backup }}"
		if g.Name == "tidb-log-backup-task" {
			component, feature, runbook = "tidb-log-backup", "log-backup-task", "kubectl logbackup investigate {{ if $labels.namespace }}{{ $labels.namespace }}/{{ end }}{{ $labels.task }}"
		}
		for _, r := range g.Rules {
			names = append(names, r.Alert)
			what := r.Alert
			checkMetrics(t, what, r.Expr)
			if r.Labels["component"] != component || r.Labels["feature"] != feature {
				t.Errorf("%s: labels %v lack component=%s, feature=%s", what, r.Labels, component, feature)
			}
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("%s: severity %q", what, s)
			}
			for _, a := range []string{"summary", "description", "runbook"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s: no %s annotation", what, a)
				}
			}
			d := r.Annotations["description"]
			if strings.Contains(d, "{{ $value }}") {
				t.Errorf("%s: description prints a raw $value: %q", what, d)
			}
			if strings.Contains(d, "$value") && !strings.Contains(d, "$value | humanize") {
				t.Errorf("%s: description does not humanize $value: %q", what, d)
			}
			if strings.Contains(r.Expr, "kube_event_count") {
				t.Errorf("%s: kube_event_count does not exist", what)
			}
			if r.Alert != "LogBackupRetryMetricsMissing" {
				if r.Annotations["runbook"] != runbook {
					t.Errorf("%s: runbook %q, want %q", what, r.Annotations["runbook"], runbook)
				}
			}
		}
	}
	if !slices.Equal(names, alertNames) {
		t.Errorf("alerts = %v, want %v", names, alertNames)
	}
}

// TestPromtoolTestsCoverEveryAlert checks that the unit tests show each alert
// both firing and silent, so a rule cannot be left untested.
func TestPromtoolTestsCoverEveryAlert(t *testing.T) {
	fires, silent := map[string]bool{}, map[string]bool{}
	// The retry group's tests and the task group's.
	for _, name := range []string{"rules_test.yaml", "task_test.yaml"} {
		var file struct {
			Tests []struct {
				Name          string `json:"name"`
				AlertRuleTest []struct {
					Alertname string `json:"alertname"`
					ExpAlerts []any  `json:"exp_alerts"`
				} `json:"alert_rule_test"`
			} `json:"tests"`
		}
		data, err := os.ReadFile(filepath.Join(sourceDir(t), "testdata", "promtool", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, &file); err != nil {
			t.Fatal(err)
		}
		for _, tc := range file.Tests {
			for _, a := range tc.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					fires[a.Alertname] = true
				} else {
					silent[a.Alertname] = true
				}
			}
		}
	}
	for _, a := range alertNames {
		if !fires[a] || !silent[a] {
			t.Errorf("%s: the promtool unit tests show it firing: %v, silent: %v", a, fires[a], silent[a])
		}
	}
}
