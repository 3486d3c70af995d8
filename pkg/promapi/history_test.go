package promapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// The history queries for log backup ns/b (Target.History).
const (
	qHistBackup   = `ALERTS{namespace="ns",backup="b"}[6h]`
	qHistTask     = `ALERTS{task="b",namespace="ns"}[6h]`
	qHistTaskNoNS = `ALERTS{task="b",namespace=""}[6h]`
	qHistCheckpt  = `tidb_log_backup_last_checkpoint{task="b"}[6h]`
)

// point is one raw sample: seconds before figuresNow, and a value.
type point struct {
	ago   time.Duration
	value float64
}

// series is one series of a fake range answer.
type series struct {
	labels map[string]string
	points []point
}

// matrixJSON is Prometheus' answer to a range selector: raw samples.
func matrixJSON(ss ...series) string {
	type stream struct {
		Metric map[string]string `json:"metric"`
		Values [][2]any          `json:"values"`
	}
	result := make([]stream, 0, len(ss))
	for _, s := range ss {
		st := stream{Metric: s.labels, Values: [][2]any{}}
		for _, p := range s.points {
			at := float64(figuresNow.Add(-p.ago).UnixMilli()) / 1000
			st.Values = append(st.Values, [2]any{json.Number(strconv.FormatFloat(at, 'f', 3, 64)), strconv.FormatFloat(p.value, 'f', -1, 64)})
		}
		result = append(result, st)
	}
	b, err := json.Marshal(map[string]any{"status": "success", "data": map[string]any{"resultType": "matrix", "result": result}})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func okMatrix(ss ...series) answer { return answer{body: matrixJSON(ss...)} }

// every is a run of samples from `from` before now to `to` before now,
// one each step.
func every(from, to, step time.Duration, value float64) []point {
	var out []point
	for ago := from; ago >= to; ago -= step {
		out = append(out, point{ago, value})
	}
	return out
}

func alertSeries(name, state string, pts []point) series {
	return series{labelsKV("alertname", name, "alertstate", state, "severity", "warning", "namespace", "ns", "backup", "b"), pts}
}

// toMatrix decodes series as the client would.
func toMatrix(t *testing.T, ss ...series) model.Matrix {
	t.Helper()
	var a struct {
		Data struct {
			Result model.Matrix `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(matrixJSON(ss...)), &a); err != nil {
		t.Fatal(err)
	}
	return a.Data.Result
}

func ago(d time.Duration) time.Time { return figuresNow.Add(-d).UTC() }

func transitionsText(h []report.AlertTransition) string {
	var b strings.Builder
	for _, tr := range h {
		fmt.Fprintf(&b, "%s %s %s\n", figuresNow.Sub(tr.At), tr.Name, tr.State)
	}
	return b.String()
}

func TestAlertTransitions(t *testing.T) {
	const m = time.Minute
	cases := []struct {
		name   string
		series []series
		active map[string]bool // nil: unknown
		want   string          // "age name state" lines, oldest first
	}{
		{
			name: "pending, firing, resolved",
			series: []series{
				alertSeries("A", "pending", every(60*m, 56*m, 30*time.Second, 1)),
				alertSeries("A", "firing", every(55*m+30*time.Second, 40*m, 30*time.Second, 1)),
			},
			active: map[string]bool{},
			want:   "1h0m0s A pending\n55m30s A firing\n39m30s A resolved\n",
		},
		{
			name: "pending, firing, still firing",
			series: []series{
				alertSeries("A", "pending", every(60*m, 56*m, 30*time.Second, 1)),
				alertSeries("A", "firing", every(55*m+30*time.Second, 0, 30*time.Second, 1)),
			},
			active: map[string]bool{"A\x00firing": true},
			want:   "1h0m0s A pending\n55m30s A firing\n",
		},
		{
			name: "pending that never fired",
			series: []series{
				alertSeries("A", "pending", every(20*m, 10*m, 30*time.Second, 1)),
			},
			active: map[string]bool{},
			want:   "20m0s A pending\n9m30s A resolved\n",
		},
		{
			name: "flapping: gaps of several evaluations",
			series: []series{
				alertSeries("A", "firing", append(append(every(30*m, 25*m, 30*time.Second, 1), every(20*m, 15*m, 30*time.Second, 1)...), every(10*m, 0, 30*time.Second, 1)...)),
			},
			active: map[string]bool{"A\x00firing": true},
			want:   "30m0s A firing\n24m30s A resolved\n20m0s A firing\n14m30s A resolved\n10m0s A firing\n",
		},
		{
			name: "one missed evaluation is no resolution",
			series: []series{
				alertSeries("A", "firing", append(every(30*m, 20*m, 30*time.Second, 1), every(19*m, 0, 30*time.Second, 1)...)),
			},
			active: map[string]bool{"A\x00firing": true},
			want:   "30m0s A firing\n",
		},
		{
			name: "already firing when the window began: no start",
			series: []series{
				alertSeries("A", "firing", every(6*time.Hour, 2*time.Hour, m, 1)),
			},
			active: map[string]bool{},
			want:   "1h59m0s A resolved\n",
		},
		{
			name: "not active now: the run ended at its last sample",
			series: []series{
				alertSeries("A", "firing", every(10*m, 30*time.Second, 30*time.Second, 1)),
			},
			active: map[string]bool{},
			want:   "10m0s A firing\n0s A resolved\n",
		},
		{
			name: "activity unknown: a recent last sample is still going",
			series: []series{
				alertSeries("A", "firing", every(10*m, 30*time.Second, 30*time.Second, 1)),
				alertSeries("B", "pending", every(10*m, 5*m, 30*time.Second, 1)),
			},
			want: "10m0s A firing\n10m0s B pending\n4m30s B resolved\n",
		},
		{
			name: "absurd sample times are left out",
			series: []series{
				alertSeries("A", "firing", []point{{figuresNow.Sub(time.Unix(0, 0)), 1}, {-48 * time.Hour, 1}, {7 * time.Hour, 1}}),
				alertSeries("B", "firing", append([]point{{-48 * time.Hour, 1}}, every(3*m, 0, 30*time.Second, 1)...)),
			},
			active: map[string]bool{"B\x00firing": true},
			want:   "3m0s B firing\n",
		},
		{
			name: "two label sets of one alert are one",
			series: []series{
				alertSeries("A", "firing", every(10*m, 0, 30*time.Second, 1)),
				{labelsKV("alertname", "A", "alertstate", "firing", "task", "b", "instance", "tikv-0"), every(8*m, 0, 30*time.Second, 1)},
				{labelsKV("alertname", "A", "alertstate", "weird"), every(8*m, 0, 30*time.Second, 1)},
			},
			active: map[string]bool{"A\x00firing": true},
			want:   "10m0s A firing\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := transitionsText(alertTransitions(toMatrix(t, c.series...), c.active, figuresNow))
			if got != c.want {
				t.Errorf("transitions:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

func TestInterval(t *testing.T) {
	s := func(step time.Duration, n int) []time.Time {
		var out []time.Time
		for i := range n {
			out = append(out, figuresNow.Add(time.Duration(i)*step))
		}
		return out
	}
	for _, c := range []struct {
		series [][]time.Time
		want   time.Duration
	}{
		{nil, defaultInterval},
		{[][]time.Time{s(time.Minute, 1)}, defaultInterval},
		{[][]time.Time{s(15*time.Second, 10), s(15*time.Second, 3)}, 15 * time.Second},
		{[][]time.Time{s(time.Millisecond, 10)}, minInterval},
		{[][]time.Time{s(time.Hour, 6)}, maxInterval},
	} {
		if got := interval(c.series); got != c.want {
			t.Errorf("interval = %v, want %v", got, c.want)
		}
	}
}

func cpSeries(instance string, pts []point) series {
	return series{labelsKV("task", "b", "instance", instance), pts}
}

// cpAt is a checkpoint value: the TSO of a time before now.
func cpAt(d time.Duration) float64 { return tso(figuresNow.Add(-d)) }

func TestCheckpointMoved(t *testing.T) {
	const m = time.Minute
	var moving, stuck, movedThenStuck []point
	for a := 60 * m; a >= 0; a -= 30 * time.Second {
		moving = append(moving, point{a, cpAt(a + 30*time.Second)})
		stuck = append(stuck, point{a, cpAt(3 * time.Hour)})
		movedThenStuck = append(movedThenStuck, point{a, cpAt(max(a, 20*m) + 30*time.Second)})
	}
	cases := []struct {
		name   string
		series []series
		moved  time.Duration // -1: nil
		oldest time.Duration // -1: nil
	}{
		{"moved", []series{cpSeries("tidb-0", moving)}, 0, 60 * m},
		{"never moved", []series{cpSeries("tidb-0", stuck)}, -1, 60 * m},
		{"moved then stuck", []series{cpSeries("tidb-0", movedThenStuck)}, 20 * m, 60 * m},
		{"none", nil, -1, -1},
		// The former advancer keeps its last value; the new one moves.
		{"two TiDBs", []series{cpSeries("tidb-0", stuck), cpSeries("tidb-1", movedThenStuck)}, 20 * m, 60 * m},
		{"absurd values and times are left out", []series{cpSeries("tidb-0", append(slices.Clone(stuck),
			point{0, mustNaN()}, point{m, -1}, point{2 * m, 1e300}, point{-48 * time.Hour, cpAt(0)}, point{7 * time.Hour, cpAt(7 * time.Hour)}))}, -1, 60 * m},
		{"a TSO from before 2000", []series{cpSeries("tidb-0", []point{{2 * m, cpAt(time.Hour)}, {m, float64(time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()) * (1 << 18)}})}, -1, 2 * m},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			moved, oldest := checkpointMoved(toMatrix(t, c.series...), figuresNow)
			check := func(what string, got *time.Time, want time.Duration) {
				t.Helper()
				switch {
				case want < 0 && got != nil:
					t.Errorf("%s = %v, want none", what, got)
				case want >= 0 && (got == nil || !got.Equal(ago(want))):
					t.Errorf("%s = %v, want %v", what, got, ago(want))
				}
			}
			check("moved", moved, c.moved)
			check("oldest", oldest, c.oldest)
		})
	}
}

// historyAnswers are fullAnswers plus the history: LogBackupRetrying
// pending then firing (the backup's selector), LogBackupTaskError firing
// (the task's), the checkpoint moving until 20 minutes ago.
func historyAnswers() map[string]answer {
	const m = time.Minute
	by := fullAnswers()
	by[qAlerts] = ok(
		sample{labelsKV("alertname", "LogBackupRetrying", "alertstate", "firing", "severity", "warning", "namespace", "ns", "backup", "b"), 1},
		sample{labelsKV("alertname", "LogBackupTaskError", "alertstate", "firing", "severity", "critical", "task", "b"), 1},
	)
	by[qHistBackup] = okMatrix(
		alertSeries("LogBackupRetrying", "pending", every(30*m, 26*m, 30*time.Second, 1)),
		alertSeries("LogBackupRetrying", "firing", every(25*m+30*time.Second, 0, 30*time.Second, 1)),
	)
	task := series{labelsKV("alertname", "LogBackupTaskError", "alertstate", "firing", "severity", "critical", "task", "b", "namespace", "ns"), every(5*m, 0, 30*time.Second, 1)}
	by[qHistTask] = okMatrix(task)
	by[qHistTaskNoNS] = okMatrix()
	var pts []point
	for a := 60 * m; a >= 0; a -= 30 * time.Second {
		pts = append(pts, point{a, cpAt(max(a, 20*m) + 90*time.Second)})
	}
	by[qHistCheckpt] = okMatrix(cpSeries("tidb-0", pts))
	return by
}

func TestFiguresHistory(t *testing.T) {
	c, a, fp := figuresClient(t, historyAnswers())
	sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, History: true}, figuresNow)
	a.check()
	// Every figure and the four history queries, once each.
	queries, _ := fp.seen()
	if want := len(historyAnswers()) + 1; len(queries) != want {
		t.Errorf("%d queries, want %d: %q", len(queries), want, queries)
	}
	al := sec.Alerts
	if al == nil || al.Error != "" || len(al.Unread) != 0 || len(al.Items) != 2 {
		t.Fatalf("alerts = %+v", al)
	}
	want := []report.AlertTransition{
		{Name: "LogBackupRetrying", State: "pending", Severity: "warning", At: ago(30 * time.Minute)},
		{Name: "LogBackupRetrying", State: "firing", Severity: "warning", At: ago(25*time.Minute + 30*time.Second)},
		{Name: "LogBackupTaskError", State: "firing", Severity: "critical", At: ago(5 * time.Minute)},
	}
	if !slices.EqualFunc(al.History, want, func(a, b report.AlertTransition) bool {
		return a.Name == b.Name && a.State == b.State && a.Severity == b.Severity && a.At.Equal(b.At)
	}) {
		t.Errorf("history:\n%+v\nwant:\n%+v", al.History, want)
	}
	tf := sec.Task
	if tf == nil || tf.Error != "" || tf.Note != "" || len(tf.Unread) != 0 || tf.MovedAt == nil || !tf.MovedAt.Equal(ago(20*time.Minute)) {
		t.Errorf("task = %+v, want moved 20 minutes ago", tf)
	}
	// The current figures are what they are without history.
	if tf.Checkpoint == nil || !tf.Checkpoint.Equal(figuresNow.Add(-90*time.Second)) || tf.State != report.TaskError {
		t.Errorf("task = %+v", tf)
	}
}

// Without History, exactly the queries of before are sent.
func TestFiguresWithoutHistoryAsksNone(t *testing.T) {
	c, a, fp := figuresClient(t, fullAnswers())
	sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true}, figuresNow)
	a.check()
	queries, _ := fp.seen()
	var want []string
	for q := range fullAnswers() {
		want = append(want, q)
	}
	want = append(want, "vector(1)")
	slices.Sort(queries)
	slices.Sort(want)
	if !slices.Equal(queries, want) {
		t.Errorf("queries:\n%s\nwant:\n%s", strings.Join(queries, "\n"), strings.Join(want, "\n"))
	}
	if sec.Alerts.History != nil || sec.Alerts.Unread != nil || sec.Task.MovedAt != nil || sec.Task.Note != "" {
		t.Errorf("history without asking: alerts %+v, task %+v", sec.Alerts, sec.Task)
	}
}

func TestFiguresHistoryNotMoved(t *testing.T) {
	by := historyAnswers()
	by[qHistCheckpt] = okMatrix(cpSeries("tidb-0", every(2*time.Hour, 0, time.Minute, cpAt(3*time.Hour))))
	c, a, _ := figuresClient(t, by)
	sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, History: true}, figuresNow)
	a.check()
	want := "the checkpoint did not move in the last 6h (its samples since " + ago(2*time.Hour).Format(time.RFC3339) + ")"
	if tf := sec.Task; tf == nil || tf.MovedAt != nil || tf.Note != want {
		t.Errorf("task = %+v, want the note %q", tf, want)
	}

	// No checkpoint at all: the note says that, not "did not move".
	by[qCheckpt] = ok()
	by[qMoved] = ok()
	by[qHistCheckpt] = okMatrix()
	c, a, _ = figuresClient(t, by)
	sec = c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, History: true}, figuresNow)
	a.check()
	if tf := sec.Task; tf == nil || tf.MovedAt != nil || !strings.Contains(tf.Note, "TiDB reports no checkpoint") {
		t.Errorf("task = %+v", tf)
	}
}

func TestFiguresHistoryFails(t *testing.T) {
	for _, fail := range []string{qHistTask, qHistCheckpt} {
		t.Run(fail, func(t *testing.T) {
			by := historyAnswers()
			by[fail] = answer{status: 500, body: "boom\n"}
			c, a, _ := figuresClient(t, by)
			sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, History: true}, figuresNow)
			a.check()
			al, tf := sec.Alerts, sec.Task
			if al == nil || al.Error != "" || len(al.Items) != 2 || tf == nil || tf.Error != "" || tf.State != report.TaskError || tf.Checkpoint == nil {
				t.Fatalf("the current figures are spoilt: alerts %+v, task %+v", al, tf)
			}
			if sec.Retries == nil || sec.Retries.Error != "" || len(sec.Retries.Unread) != 0 {
				t.Errorf("retries = %+v", sec.Retries)
			}
			unread := []string{"history: the server failed (500)"}
			if fail == qHistTask {
				if !slices.Equal(al.Unread, unread) || al.History != nil || len(tf.Unread) != 0 || tf.MovedAt == nil {
					t.Errorf("alerts = %+v, task = %+v", al, tf)
				}
			} else {
				if !slices.Equal(tf.Unread, unread) || tf.MovedAt != nil || len(al.Unread) != 0 || len(al.History) != 3 {
					t.Errorf("alerts = %+v, task = %+v", al, tf)
				}
			}
		})
	}

	// An answer that is not a matrix is not read either.
	by := historyAnswers()
	by[qHistCheckpt] = ok(sample{value: 1})
	c, a, _ := figuresClient(t, by)
	sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, History: true}, figuresNow)
	a.check()
	if tf := sec.Task; tf == nil || !slices.Equal(tf.Unread, []string{"history: the answer is not a Prometheus API answer: is it Prometheus?"}) {
		t.Errorf("task = %+v", tf)
	}
}

func TestFiguresHistoryTooMany(t *testing.T) {
	// 300 alerts, each pending once: the newest 200 are kept, and the
	// cut is said.
	var ss []series
	for i := range 300 {
		start := time.Duration(300-i) * time.Minute
		ss = append(ss, alertSeries(fmt.Sprintf("A%03d", i), "pending", every(start, start-30*time.Second, 30*time.Second, 1)))
	}
	by := historyAnswers()
	by[qHistBackup] = okMatrix(ss...)
	by[qHistTask] = okMatrix()
	c, a, _ := figuresClient(t, by)
	sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, History: true}, figuresNow)
	a.check()
	al := sec.Alerts
	// 300 pending and 300 resolved: the newest 200.
	if len(al.History) != maxTransitions || !slices.Equal(al.Unread, []string{"history: 400 older transitions left out (at most 200 are kept)"}) {
		t.Fatalf("history %d, unread %q", len(al.History), al.Unread)
	}
	if last := al.History[len(al.History)-1]; last.Name != "A299" || last.State != "resolved" {
		t.Errorf("newest = %+v", last)
	}
	if !slices.IsSortedFunc(al.History, func(a, b report.AlertTransition) int { return a.At.Compare(b.At) }) {
		t.Error("history is not oldest first")
	}

	// An answer past the backup's bound is refused, not held.
	big := series{labelsKV("alertname", "Big", "alertstate", "firing"), every(6*time.Hour, 0, 100*time.Millisecond, 1)}
	by[qHistBackup] = okMatrix(big)
	c, a, _ = figuresClient(t, by)
	sec = c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, History: true}, figuresNow)
	a.check()
	if al := sec.Alerts; !slices.Equal(al.Unread, []string{"history: the answer is too large: not read"}) || al.History != nil || len(al.Items) != 2 {
		t.Errorf("alerts = %+v", al)
	}
}

func TestFiguresHistoryScoped(t *testing.T) {
	// The checkpoint's history is asked with the chosen cluster's labels,
	// the task alerts' in its namespace.
	by := fullAnswers()
	by[qStatus] = ok(
		sample{labelsKV("instance", "a-0", "task", "b", "tidb_cluster", "tidb-basic"), 0},
		sample{labelsKV("instance", "z-0", "task", "b", "tidb_cluster", "other-basic"), 2},
	)
	for _, q := range []string{qCheckpt, qMoved, qErrors, qFatal, qSafePoint, qAlerts, qSince} {
		delete(by, q)
	}
	sel := `{tidb_cluster="tidb-basic",task="b"}`
	on := ` and on (instance, tidb_cluster) tikv_log_backup_task_status` + sel
	for _, q := range []string{`max(tidb_log_backup_last_checkpoint` + sel + `)`,
		`max(tidb_log_backup_last_checkpoint` + sel + `) - max(tidb_log_backup_last_checkpoint` + sel + ` offset 15m)`,
		`sum by (type) (increase(tikv_log_backup_errors[1h])` + on + `)`, `sum by (type) (increase(tikv_log_backup_fatal_errors[1h])` + on + `)`,
		`max(tikv_gcworker_autogc_safe_point` + on + `)`,
		strings.ReplaceAll(qAlerts, `task="b",namespace="ns"`, `task="b",namespace="tidb"`),
		strings.ReplaceAll(qSince, `task="b",namespace="ns"`, `task="b",namespace="tidb"`),
		qHistBackup, `ALERTS{task="b",namespace="tidb"}[6h]`, qHistTaskNoNS,
	} {
		by[q] = ok()
	}
	for _, q := range []string{qHistBackup, `ALERTS{task="b",namespace="tidb"}[6h]`, qHistTaskNoNS} {
		by[q] = okMatrix()
	}
	by[`tidb_log_backup_last_checkpoint`+sel+`[6h]`] = okMatrix(cpSeries("tidb-0", []point{{2 * time.Minute, cpAt(time.Hour)}, {time.Minute, cpAt(time.Minute)}}))
	c, a, _ := figuresClient(t, by)
	sec := c.Figures(context.Background(), Target{Namespace: "ns", Name: "b", Log: true, Cluster: "basic", ClusterNamespace: "tidb", History: true}, figuresNow)
	a.check()
	if tf := sec.Task; tf == nil || tf.Scope != `tidb_cluster="tidb-basic"` || tf.MovedAt == nil || !tf.MovedAt.Equal(ago(time.Minute)) {
		t.Errorf("task = %+v", tf)
	}
	if al := sec.Alerts; al == nil || len(al.Unread) != 0 || len(al.History) != 0 {
		t.Errorf("alerts = %+v", al)
	}
}
