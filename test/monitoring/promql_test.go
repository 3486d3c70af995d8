package monitoringtest

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/logbackup/kubectl-logbackup/pkg/exporter"
)

// The metrics that exist: the six of the seed (the histogram as its series),
// which kubectl logbackup exporter serves, the exporter's count of the
// backups it follows, and Prometheus' own up.
var knownMetrics = []string{
	exporter.MetricBackups,
	"tidb_operator_log_backup_retry_total",
	"tidb_operator_log_backup_retry_result_total",
	"tidb_operator_log_backup_retry_duration_seconds_bucket",
	"tidb_operator_log_backup_retry_duration_seconds_sum",
	"tidb_operator_log_backup_retry_duration_seconds_count",
	"tidb_operator_log_backup_retry_current",
	"tidb_operator_log_backup_retry_exhausted_total",
	"tidb_operator_log_backup_retry_timeout_total",
	"up",
	// What TiDB and TiKV export about log backup themselves
	// (docs/metrics-facts.md), which the task group reads.
	"tidb_log_backup_last_checkpoint",
	"tikv_log_backup_task_status",
	"tikv_gcworker_autogc_safe_point",
}

var (
	aggregations = map[string]bool{"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true,
		"stdvar": true, "count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true}
	labelListKeywords = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true,
		"group_left": true, "group_right": true}
	keywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true,
		"atan2": true, "inf": true, "nan": true}
	nameMatcher = regexp.MustCompile(`__name__\s*(=~|=|!=|!~)\s*"([^"]*)"`)
)

// metricNames returns the metric names a PromQL expression selects: bare
// names, and for a {__name__=~"RE"} selector every known metric RE matches
// (an error if it matches none). It is a small lexer, enough for the
// expressions of our rules and dashboards.
func metricNames(expr string) ([]string, error) {
	var names []string
	isIdentStart := func(c byte) bool { return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	isIdent := func(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }
	skipSpace := func(i int) int {
		for i < len(expr) && strings.IndexByte(" \t\r\n", expr[i]) >= 0 {
			i++
		}
		return i
	}
	closing := func(i int, open, close byte) (int, error) { // i at open; returns index after close
		depth := 0
		for j := i; j < len(expr); j++ {
			switch expr[j] {
			case '"', '\'', '`':
				q := expr[j]
				j++
				for j < len(expr) && expr[j] != q {
					if expr[j] == '\\' {
						j++
					}
					j++
				}
			case open:
				depth++
			case close:
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unbalanced %c in %q", open, expr)
	}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				if expr[j] == '\\' {
					j++
				}
				j++
			}
			i = j + 1
		case c == '{':
			end, err := closing(i, '{', '}')
			if err != nil {
				return nil, err
			}
			for _, m := range nameMatcher.FindAllStringSubmatch(expr[i:end], -1) {
				if m[1] != "=~" {
					return nil, fmt.Errorf("unsupported __name__ matcher %q", m[0])
				}
				re, err := regexp.Compile("^(?:" + m[2] + ")$")
				if err != nil {
					return nil, err
				}
				matched := false
				for _, k := range knownMetrics {
					if re.MatchString(k) {
						names = append(names, k)
						matched = true
					}
				}
				if !matched {
					return nil, fmt.Errorf("__name__=~%q matches no known metric", m[2])
				}
			}
			i = end
		case c == '[':
			end, err := closing(i, '[', ']')
			if err != nil {
				return nil, err
			}
			i = end
		case c >= '0' && c <= '9' || c == '.':
			for i < len(expr) && (isIdent(expr[i]) || expr[i] == '.') {
				i++
			}
		case isIdentStart(c):
			j := i
			for j < len(expr) && isIdent(expr[j]) {
				j++
			}
			word := expr[i:j]
			next := skipSpace(j)
			switch {
			case labelListKeywords[word]:
				if next < len(expr) && expr[next] == '(' {
					end, err := closing(next, '(', ')')
					if err != nil {
						return nil, err
					}
					j = end
				}
			case aggregations[word], keywords[word]:
			case next < len(expr) && expr[next] == '(':
				// a function call
			default:
				names = append(names, word)
			}
			i = j
		default:
			i++
		}
	}
	sort.Strings(names)
	return slices.Compact(names), nil
}

// checkMetrics fails unless every metric of expr is a known one and it uses at
// least one.
func checkMetrics(t *testing.T, what, expr string) {
	t.Helper()
	names, err := metricNames(expr)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(names) == 0 {
		t.Errorf("%s: no metric in %q", what, expr)
	}
	for _, n := range names {
		if !slices.Contains(knownMetrics, n) {
			t.Errorf("%s: unknown metric %q in %q", what, n, expr)
		}
	}
}

func TestMetricNamesLexer(t *testing.T) {
	for expr, want := range map[string][]string{
		`sum by (namespace, backup) (rate(tidb_operator_log_backup_retry_total[5m])) > 0.1`: {"tidb_operator_log_backup_retry_total"},
		`kube_event_count{reason=~"RetryStarted|BackupFailed",object="backup"}`:             {"kube_event_count"},
		`count by (le) (x unless y offset 30m) or on (a) group_left (b) z * 0`:              {"x", "y", "z"},
		`up == 0 and on (job, instance) group by (job, instance) (max_over_time(m[1h:1m]))`: {"m", "up"},
		`absent({__name__=~"tidb_operator_log_backup_retry_(current|timeout_total)"})`: {
			"tidb_operator_log_backup_retry_current", "tidb_operator_log_backup_retry_timeout_total"},
		`round(1e-9 * sum(bool_metric{a="b)"}))`: {"bool_metric"},
	} {
		got, err := metricNames(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("metricNames(%q) = %v, want %v", expr, got, want)
		}
	}
	if _, err := metricNames(`{__name__=~"nope_.*"}`); err == nil {
		t.Error("a __name__ regex that matches no known metric must be an error")
	}
}
