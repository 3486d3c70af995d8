package monitoringtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/monitoring"
	"github.com/logbackup/kubectl-logbackup/test/promserver"
)

type panel struct {
	ID         int                       `json:"id"`
	Type       string                    `json:"type"`
	Title      string                    `json:"title"`
	Datasource json.RawMessage           `json:"datasource"`
	GridPos    *struct{ H, W, X, Y int } `json:"gridPos"`
	Targets    []target                  `json:"targets"`
	Options    map[string]any            `json:"options"`
}

type target struct {
	RefID        string          `json:"refId"`
	Datasource   json.RawMessage `json:"datasource"`
	Expr         string          `json:"expr"`
	LegendFormat string          `json:"legendFormat"`
	Format       string          `json:"format"`
	Instant      bool            `json:"instant"`
}

type dashboard struct {
	UID        string `json:"uid"`
	Title      string `json:"title"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query string `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

// printedDashboards returns the dashboards as "kubectl logbackup monitoring
// dashboards" prints them (the JSON list), after checking that the list and
// each --dashboard output are the rendered bytes and hold the same models.
func printedDashboards(t *testing.T) []dashboard {
	t.Helper()
	list := plugin(t, "dashboards")
	rendered, err := monitoring.Dashboards()
	sameBytes(t, "dashboards", list, rendered, err)
	var raw []json.RawMessage
	if err := json.Unmarshal(list, &raw); err != nil {
		t.Fatalf("dashboards output is not a JSON list: %v", err)
	}
	if len(raw) != len(monitoring.DashboardNames()) {
		t.Fatalf("dashboards printed %d dashboards, want %d", len(raw), len(monitoring.DashboardNames()))
	}
	var out []dashboard
	for i, name := range monitoring.DashboardNames() {
		one := plugin(t, "dashboards", "--dashboard", name)
		rendered, err := monitoring.Dashboard(name)
		sameBytes(t, "dashboards --dashboard "+name, one, rendered, err)
		var a, b any
		if err := json.Unmarshal(one, &a); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := json.Unmarshal(raw[i], &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("dashboard %s: --dashboard output differs from the list's element %d", name, i)
		}
		var d dashboard
		dec := json.NewDecoder(bytes.NewReader(one))
		if err := dec.Decode(&d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// TestDashboardsJSON checks the dashboards' structure: stable uids, the
// datasource variable, every query's datasource and metrics, the heatmap,
// the "Timeouts (1h)" panel and the events text panel.
func TestDashboardsJSON(t *testing.T) {
	ds := printedDashboards(t)
	wantUIDs := map[string]string{"TiDB Log Backup Retry": "tidb-log-backup-retry", "TiDB Log Backup Health": "tidb-log-backup-health"}
	titles := map[string]bool{}
	for _, d := range ds {
		if wantUIDs[d.Title] == "" || d.UID != wantUIDs[d.Title] {
			t.Errorf("dashboard %q has uid %q", d.Title, d.UID)
		}
		if len(d.Templating.List) != 1 || d.Templating.List[0].Name != "datasource" || d.Templating.List[0].Type != "datasource" || d.Templating.List[0].Query != "prometheus" {
			t.Errorf("%s: templating %+v: want one datasource variable of type prometheus", d.Title, d.Templating.List)
		}
		ids := map[int]bool{}
		for _, p := range d.Panels {
			titles[p.Title] = true
			if ids[p.ID] {
				t.Errorf("%s: duplicate panel id %d", d.Title, p.ID)
			}
			ids[p.ID] = true
			if p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 {
				t.Errorf("%s/%s: no gridPos", d.Title, p.Title)
			}
			if p.Type == "text" {
				content, _ := p.Options["content"].(string)
				if len(p.Targets) != 0 || !strings.Contains(content, "kubectl logbackup investigate NAMESPACE/NAME") {
					t.Errorf("%s/%s: the text panel must have no query and name kubectl logbackup investigate NAMESPACE/NAME", d.Title, p.Title)
				}
				checkCommandRefs(t, d.Title+"/"+p.Title, content)
				continue
			}
			if p.Type == "logs" {
				t.Errorf("%s/%s: a logs panel cannot show Prometheus data", d.Title, p.Title)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s/%s: no query", d.Title, p.Title)
			}
			wantDS := `{"type":"prometheus","uid":"${datasource}"}`
			if compact(t, p.Datasource) != wantDS {
				t.Errorf("%s/%s: datasource %s, want %s", d.Title, p.Title, p.Datasource, wantDS)
			}
			for _, tg := range p.Targets {
				if compact(t, tg.Datasource) != wantDS || tg.RefID == "" {
					t.Errorf("%s/%s: target %+v", d.Title, p.Title, tg)
				}
				checkMetrics(t, d.Title+"/"+p.Title, tg.Expr)
				if p.Type == "heatmap" && (tg.Format != "heatmap" || !strings.HasPrefix(tg.Expr, "sum by (le) (")) {
					t.Errorf("%s/%s: heatmap target must be sum by (le) with format heatmap: %+v", d.Title, p.Title, tg)
				}
			}
		}
	}
	for _, want := range []string{"Retry Rate", "Success Rate", "Current Retries by Backup", "Retry Duration Distribution",
		"Exhausted (1h)", "Timeouts (1h)", "Failed Backups Requiring Attention", "Backup Events"} {
		if !titles[want] {
			t.Errorf("no panel %q", want)
		}
	}
}

func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// TestDashboardQueriesReturnData starts a real Prometheus on 127.0.0.1 with
// three hours of data for a few backups (built with promtool tsdb
// create-blocks-from openmetrics) and runs every panel's query as Grafana
// would: each must return data, and every label its legend names.
func TestDashboardQueriesReturnData(t *testing.T) {
	tool(t, "promtool")
	tool(t, "prometheus")
	ds := printedDashboards(t)

	dir := t.TempDir()
	end := time.Now().UTC().Truncate(time.Minute)
	writeFile(t, dir, "data.om", openMetrics(end))
	dataDir := filepath.Join(dir, "data")
	mustRun(t, dir, "promtool", "tsdb", "create-blocks-from", "openmetrics", "data.om", dataDir)
	// Retention counts back from the newest block, so 30 days keeps all
	// three hours of the backfilled data.
	prom := promserver.Start(t, promserver.Options{
		Dir:     dir,
		DataDir: dataDir,
		Flags:   []string{"--storage.tsdb.retention.time=30d"},
	})
	v1 := prom.API()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The data is there at all.
	if v, _, _, err := v1.Query(ctx, "count(up)", end); err != nil || len(v.(model.Vector)) == 0 {
		t.Fatalf("Prometheus has no data: %v %v", v, err)
	}
	legendLabel := regexp.MustCompile(`{{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*}}`)
	queries := 0
	for _, d := range ds {
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				what := fmt.Sprintf("%s / %s (%s)", d.Title, p.Title, tg.RefID)
				queries++
				// Every metric the query names has series in the test data.
				names, err := metricNames(tg.Expr)
				if err != nil {
					t.Errorf("%s: %v", what, err)
				}
				for _, n := range names {
					v, _, _, err := v1.Query(ctx, fmt.Sprintf("count({__name__=%q})", n), end)
					if vec, ok := v.(model.Vector); err != nil || !ok || len(vec) == 0 {
						t.Errorf("%s: metric %s has no series in the test data (%v)", what, n, err)
					}
				}
				var labels []string
				for _, m := range legendLabel.FindAllStringSubmatch(tg.LegendFormat, -1) {
					labels = append(labels, m[1])
				}
				// The instant query of a table or stat's last value.
				v, warnings, _, err := v1.Query(ctx, tg.Expr, end)
				if err != nil || len(warnings) > 0 {
					t.Errorf("%s: %v %v", what, err, warnings)
					continue
				}
				vec, ok := v.(model.Vector)
				if !ok || len(vec) == 0 {
					t.Errorf("%s: instant query returned no data: %q", what, tg.Expr)
					continue
				}
				for _, s := range vec {
					if math.IsNaN(float64(s.Value)) {
						t.Errorf("%s: NaN for %v", what, s.Metric)
					}
					for _, l := range labels {
						if _, ok := s.Metric[model.LabelName(l)]; !ok {
							t.Errorf("%s: legend names {{%s}} but the result %v has no such label", what, l, s.Metric)
						}
					}
				}
				// The range query of a graph, heatmap or sparkline over the last hour.
				m, _, _, err := v1.QueryRange(ctx, tg.Expr, promv1.Range{Start: end.Add(-time.Hour), End: end, Step: time.Minute})
				if err != nil {
					t.Errorf("%s: range query: %v", what, err)
					continue
				}
				if mat, ok := m.(model.Matrix); !ok || len(mat) == 0 {
					t.Errorf("%s: range query returned no data: %q", what, tg.Expr)
				}
				t.Logf("%s: %d series, e.g. %v", what, len(vec), vec[0])
			}
		}
	}
	if queries < 8 {
		t.Errorf("only %d queries in the dashboards", queries)
	}
}

// openMetrics returns three hours of samples every 30s up to end for:
// demo/flaky (retrying for two reasons, some successes, more than 3 pending
// retries, one exhaustion and one timeout in the last hour), demo/stuck
// (pending retries, no retry for 90 minutes), prod/healthy (everything at 0)
// and prod/nosuccess (failures only, no success series), plus up.
func openMetrics(end time.Time) []byte {
	const step = 30 * time.Second
	start := end.Add(-3 * time.Hour)
	type series struct {
		name, labels string
		value        func(t time.Time) float64
	}
	ago := func(t time.Time) time.Duration { return end.Sub(t) }
	every := func(t time.Time, d time.Duration) float64 { return float64(t.Sub(start) / d) }
	until := func(t time.Time, d, stop time.Duration) float64 { // increments every d, frozen stop before end
		if ago(t) < stop {
			t = end.Add(-stop)
		}
		return every(t, d)
	}
	step01 := func(at time.Duration) func(time.Time) float64 {
		return func(t time.Time) float64 {
			if ago(t) <= at {
				return 1
			}
			return 0
		}
	}
	constant := func(v float64) func(time.Time) float64 { return func(time.Time) float64 { return v } }
	lbl := func(ns, b, extra string) string {
		s := fmt.Sprintf(`namespace="%s",backup="%s",job="tidb-operator",instance="127.0.0.1:6060"`, ns, b)
		if extra != "" {
			s += "," + extra
		}
		return s
	}
	// Retry durations cycle through these; buckets are cumulative.
	durations := []float64{0.5, 3, 20, 45, 200}
	les := []string{"1", "5", "30", "60", "300", "+Inf"}
	leValue := []float64{1, 5, 30, 60, 300, math.Inf(1)}
	hist := func(ns, b string, retries func(time.Time) float64) []series {
		var out []series
		observed := func(t time.Time) (counts []float64, sum float64) {
			n := int(retries(t))
			counts = make([]float64, len(les))
			for i := 0; i < n; i++ {
				d := durations[i%len(durations)]
				sum += d
				for j, le := range leValue {
					if d <= le {
						counts[j]++
					}
				}
			}
			return counts, sum
		}
		for j, le := range les {
			j := j
			out = append(out, series{"tidb_operator_log_backup_retry_duration_seconds_bucket", lbl(ns, b, `le="`+le+`"`),
				func(t time.Time) float64 { c, _ := observed(t); return c[j] }})
		}
		out = append(out,
			series{"tidb_operator_log_backup_retry_duration_seconds_sum", lbl(ns, b, ""), func(t time.Time) float64 { _, s := observed(t); return s }},
			series{"tidb_operator_log_backup_retry_duration_seconds_count", lbl(ns, b, ""), func(t time.Time) float64 { c, _ := observed(t); return c[len(c)-1] }})
		return out
	}
	flakyJob := func(t time.Time) float64 { return every(t, 2*time.Minute) }
	flakyPod := func(t time.Time) float64 { return every(t, 3*time.Minute) }
	stuck := func(t time.Time) float64 { return until(t, 5*time.Minute, 90*time.Minute) }
	nosuccess := func(t time.Time) float64 { return every(t, 4*time.Minute) }

	all := []series{
		{"up", `job="tidb-operator",instance="127.0.0.1:6060"`, constant(1)},
		{"tidb_operator_log_backup_retry_total", lbl("demo", "flaky", `reason="JobFailed"`), flakyJob},
		{"tidb_operator_log_backup_retry_total", lbl("demo", "flaky", `reason="BackupPodFailed"`), flakyPod},
		{"tidb_operator_log_backup_retry_total", lbl("demo", "stuck", `reason="JobFailed"`), stuck},
		{"tidb_operator_log_backup_retry_total", lbl("prod", "nosuccess", `reason="JobFailed"`), nosuccess},
		{"tidb_operator_log_backup_retry_total", lbl("prod", "healthy", `reason="JobFailed"`), constant(0)},
		{"tidb_operator_log_backup_retry_result_total", lbl("demo", "flaky", `result="success"`), func(t time.Time) float64 { return every(t, 5*time.Minute) }},
		{"tidb_operator_log_backup_retry_result_total", lbl("demo", "flaky", `result="failure"`), func(t time.Time) float64 { return every(t, 2*time.Minute) }},
		{"tidb_operator_log_backup_retry_result_total", lbl("demo", "stuck", `result="failure"`), stuck},
		{"tidb_operator_log_backup_retry_result_total", lbl("prod", "nosuccess", `result="failure"`), nosuccess},
		{"tidb_operator_log_backup_retry_result_total", lbl("prod", "healthy", `result="success"`), func(t time.Time) float64 { return every(t, 10*time.Minute) }},
		{"tidb_operator_log_backup_retry_current", lbl("demo", "flaky", ""), constant(5)},
		{"tidb_operator_log_backup_retry_current", lbl("demo", "stuck", ""), constant(2)},
		{"tidb_operator_log_backup_retry_current", lbl("prod", "nosuccess", ""), constant(1)},
		{"tidb_operator_log_backup_retry_current", lbl("prod", "healthy", ""), constant(0)},
		// What TiDB and TiKV export about log backup tasks: demo/pitr keeps
		// up (30 s behind), prod/pitr stopped 40 minutes ago and is paused
		// on one store. A checkpoint is a TSO: seconds * 262144000.
		{"tidb_log_backup_last_checkpoint", `namespace="demo",task="pitr",instance="tidb-0"`, func(t time.Time) float64 {
			return float64(t.Add(-30*time.Second).Unix()) * 262144000
		}},
		{"tikv_log_backup_task_status", `namespace="demo",task="pitr",instance="tikv-0"`, constant(0)},
		{"tidb_log_backup_last_checkpoint", `namespace="prod",task="pitr",instance="tidb-0"`, func(t time.Time) float64 {
			if ago(t) < 40*time.Minute {
				t = end.Add(-40 * time.Minute)
			}
			return float64(t.Unix()) * 262144000
		}},
		{"tikv_log_backup_task_status", `namespace="prod",task="pitr",instance="tikv-0"`, step01(40 * time.Minute)},
		{"tikv_log_backup_task_status", `namespace="prod",task="pitr",instance="tikv-1"`, constant(0)},
	}
	for _, b := range []struct{ ns, name string }{{"demo", "flaky"}, {"demo", "stuck"}, {"prod", "nosuccess"}, {"prod", "healthy"}} {
		exhausted, timeout := constant(0), constant(0)
		if b.name == "flaky" {
			exhausted, timeout = step01(30*time.Minute), step01(20*time.Minute)
		}
		all = append(all,
			series{"tidb_operator_log_backup_retry_exhausted_total", lbl(b.ns, b.name, ""), exhausted},
			series{"tidb_operator_log_backup_retry_timeout_total", lbl(b.ns, b.name, ""), timeout})
	}
	all = append(all, hist("demo", "flaky", func(t time.Time) float64 { return flakyJob(t) + flakyPod(t) })...)
	all = append(all, hist("demo", "stuck", stuck)...)
	all = append(all, hist("prod", "nosuccess", nosuccess)...)

	// OpenMetrics: one family's samples together, each series in time order.
	sort.SliceStable(all, func(i, j int) bool { return all[i].name < all[j].name })
	var b bytes.Buffer
	for _, s := range all {
		for t := start; !t.After(end); t = t.Add(step) {
			fmt.Fprintf(&b, "%s{%s} %g %d\n", s.name, s.labels, s.value(t), t.Unix())
		}
	}
	b.WriteString("# EOF\n")
	return b.Bytes()
}
