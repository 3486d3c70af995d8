// Package monitoring holds the monitoring configuration for the TiDB log
// backup retry metrics: Prometheus alert rules (rendered for a threshold
// profile), Grafana dashboards and an Alertmanager configuration example with
// its notification templates. The files under rules/, dashboards/ and
// alertmanager/ are the single source of truth; they are embedded in the
// plugin and printed by "kubectl logbackup monitoring".
//
// Every function returns the exact bytes that the command prints, and the
// tests (test/monitoring) run promtool, amtool and Prometheus on those bytes.
package monitoring

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"
)

//go:embed rules/*.tmpl dashboards/*.json alertmanager/*
var files embed.FS

// Profile is a set of alert thresholds, from the seed document's "Set
// Appropriate Thresholds" block (its "percentage" values are ratios).
type Profile struct {
	// Name is dev, default or prod.
	Name string
	// HighRetryRate is the retry attempts per second of one backup, all
	// reasons together, above which LogBackupHighRetryRate fires.
	HighRetryRate float64
	// LowSuccessRate is the ratio (0..1) of successful retry results below
	// which LogBackupLowRetrySuccessRate fires.
	LowSuccessRate float64
	// PersistentRetryFor is the Prometheus duration for which a backup must
	// have more than 3 pending retry attempts before
	// LogBackupPersistentRetryFailure fires.
	PersistentRetryFor string
	// RPOWarning and RPOCritical are how far (a Prometheus duration) a
	// running log backup task's checkpoint may be behind now before
	// LogBackupRPOHigh and LogBackupRPOCritical fire; PausedFor is how
	// long a paused task's checkpoint may stand still before
	// LogBackupPausedTooLong fires. They read TiDB's and TiKV's own log
	// backup metrics, so they work without the exporter.
	RPOWarning, RPOCritical, PausedFor string
}

// profiles returns the threshold profiles, in order. It builds a new slice on
// every call, so no caller can change another's thresholds.
func profiles() []Profile {
	return []Profile{
		{Name: "dev", HighRetryRate: 0.05, LowSuccessRate: 0.7, PersistentRetryFor: "5m", RPOWarning: "30m", RPOCritical: "2h", PausedFor: "12h"},
		{Name: "default", HighRetryRate: 0.1, LowSuccessRate: 0.5, PersistentRetryFor: "15m", RPOWarning: "10m", RPOCritical: "30m", PausedFor: "2h"},
		{Name: "prod", HighRetryRate: 0.2, LowSuccessRate: 0.3, PersistentRetryFor: "30m", RPOWarning: "5m", RPOCritical: "15m", PausedFor: "1h"},
	}
}

// Rule output formats.
const (
	// FormatRules is a plain Prometheus rule file (rule_files:).
	FormatRules = "rules"
	// FormatPrometheusRule is a monitoring.coreos.com/v1 PrometheusRule for
	// the Prometheus Operator, holding the same rule groups.
	FormatPrometheusRule = "prometheusrule"
)

// DefaultProfile is the profile used when none is given.
const DefaultProfile = "default"

// PrometheusRuleName is metadata.name of the PrometheusRule.
const PrometheusRuleName = "tidb-log-backup-retry"

// Alertmanager example files.
const (
	// AlertmanagerConfig selects the Alertmanager configuration (alertmanager.yml).
	AlertmanagerConfig = "config"
	// AlertmanagerTemplates selects the notification templates (logbackup.tmpl)
	// that the configuration loads from its own directory.
	AlertmanagerTemplates = "templates"
)

// alertmanagerPath returns the embedded path of an Alertmanager example part,
// and whether the part exists.
func alertmanagerPath(part string) (string, bool) {
	switch part {
	case AlertmanagerConfig:
		return "alertmanager/alertmanager.yml", true
	case AlertmanagerTemplates:
		return "alertmanager/logbackup.tmpl", true
	}
	return "", false
}

// AlertmanagerFileName returns the file name under which the example part
// must be installed (alertmanager.yml or logbackup.tmpl, side by side).
func AlertmanagerFileName(part string) (string, error) {
	p, ok := alertmanagerPath(part)
	if !ok {
		return "", fmt.Errorf("unknown Alertmanager file %q: must be one of %s", part, strings.Join(AlertmanagerParts(), ", "))
	}
	return p[strings.LastIndexByte(p, '/')+1:], nil
}

// Profiles returns the profile names, in order.
func Profiles() []string {
	ps := profiles()
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}

// Formats returns the rule output formats.
func Formats() []string { return []string{FormatRules, FormatPrometheusRule} }

// AlertmanagerParts returns the names of the Alertmanager example's files.
func AlertmanagerParts() []string { return []string{AlertmanagerConfig, AlertmanagerTemplates} }

// LookupProfile returns the named profile.
func LookupProfile(name string) (Profile, error) {
	for _, p := range profiles() {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("unknown profile %q: must be one of %s", name, strings.Join(Profiles(), ", "))
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// durationSeconds is a profile's Prometheus duration in seconds, for
// comparing with time() in an expression.
func durationSeconds(d string) (string, error) {
	v, err := time.ParseDuration(d)
	if err != nil {
		return "", err
	}
	return strconv.FormatFloat(v.Seconds(), 'f', -1, 64), nil
}

func formatPercent(v float64) string { return strconv.FormatFloat(v*100, 'f', -1, 64) + "%" }

// ruleGroups renders the rule groups (the document that starts at "groups:")
// for a profile.
func ruleGroups(p Profile) ([]byte, error) {
	src, err := files.ReadFile("rules/log-backup-retry.rules.yaml.tmpl")
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("rules").
		Delims("[[", "]]").
		Option("missingkey=error").
		Funcs(template.FuncMap{"num": formatNumber, "percent": formatPercent, "seconds": durationSeconds}).
		Parse(string(src))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Rules renders the alert rules for a profile (dev, default, prod) in a
// format (rules, prometheusrule). Both formats hold the same rule groups.
func Rules(profile, format string) ([]byte, error) {
	p, err := LookupProfile(profile)
	if err != nil {
		return nil, err
	}
	groups, err := ruleGroups(p)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# TiDB log backup retry alerts, profile %s (high retry rate > %s/s, success rate < %s, persistent retries for %s),\n",
		p.Name, formatNumber(p.HighRetryRate), formatPercent(p.LowSuccessRate), p.PersistentRetryFor)
	fmt.Fprintf(&b, "# and log backup task alerts (checkpoint behind by %s / %s while running, paused for %s, in error, behind the GC safe point).\n",
		p.RPOWarning, p.RPOCritical, p.PausedFor)
	fmt.Fprintf(&b, "# Generated by: kubectl logbackup monitoring rules --profile %s --format %s\n", p.Name, format)
	switch format {
	case FormatRules:
		b.WriteString("# Load it from prometheus.yml's rule_files.\n")
		b.Write(groups)
	case FormatPrometheusRule:
		b.WriteString("# Apply it with kubectl apply -n NAMESPACE -f -; add the labels your Prometheus' ruleSelector expects.\n")
		fmt.Fprintf(&b, "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: %s\n  labels:\n    app.kubernetes.io/name: kubectl-logbackup\n    app.kubernetes.io/component: alert-rules\n  annotations:\n    kubectl-logbackup/profile: %s\nspec:\n", PrometheusRuleName, p.Name)
		for _, line := range strings.SplitAfter(string(groups), "\n") {
			if strings.TrimSpace(line) != "" {
				b.WriteString("  ")
			}
			b.WriteString(line)
		}
	default:
		return nil, fmt.Errorf("unknown format %q: must be one of %s", format, strings.Join(Formats(), ", "))
	}
	return b.Bytes(), nil
}

// DashboardNames returns the names of the Grafana dashboards, in order.
func DashboardNames() []string { return []string{"log-backup-retry", "log-backup-health"} }

// Dashboard returns one Grafana dashboard's JSON model, as stored.
func Dashboard(name string) ([]byte, error) {
	for _, n := range DashboardNames() {
		if n == name {
			return files.ReadFile("dashboards/" + name + ".json")
		}
	}
	return nil, fmt.Errorf("unknown dashboard %q: must be one of %s", name, strings.Join(DashboardNames(), ", "))
}

// Dashboards returns every dashboard as one indented JSON array, in the
// order of DashboardNames.
func Dashboards() ([]byte, error) {
	var all bytes.Buffer
	all.WriteByte('[')
	for i, n := range DashboardNames() {
		d, err := Dashboard(n)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			all.WriteByte(',')
		}
		all.Write(d)
	}
	all.WriteByte(']')
	var out bytes.Buffer
	if err := json.Indent(&out, all.Bytes(), "", "  "); err != nil {
		return nil, fmt.Errorf("dashboards: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// Alertmanager returns a file of the Alertmanager example: the configuration
// ("config") or the notification templates it loads ("templates").
func Alertmanager(part string) ([]byte, error) {
	p, ok := alertmanagerPath(part)
	if !ok {
		return nil, fmt.Errorf("unknown Alertmanager file %q: must be one of %s", part, strings.Join(AlertmanagerParts(), ", "))
	}
	return files.ReadFile(p)
}
