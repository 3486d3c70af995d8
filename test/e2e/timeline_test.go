package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// timelineOf runs investigate --timeline as text and as JSON.
func timelineOf(t *testing.T, ref string) (string, *report.Timeline) {
	t.Helper()
	r := plugin(t, "investigate", ref, "--timeline")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	rep := investigateJSON(t, ref, "--timeline")
	if rep.Timeline == nil {
		t.Fatal("-o json --timeline has no timeline")
	}
	return r.stdout, rep.Timeline
}

// group is the timeline's group whose title starts with prefix.
func group(t *testing.T, tl *report.Timeline, prefix string) report.TimelineGroup {
	t.Helper()
	for _, g := range tl.Groups {
		if strings.HasPrefix(g.Title, prefix) {
			return g
		}
	}
	t.Fatalf("no group %q in %+v", prefix, titles(tl))
	return report.TimelineGroup{}
}

func titles(tl *report.Timeline) []string {
	var out []string
	for _, g := range tl.Groups {
		out = append(out, g.Title)
	}
	return out
}

// entry is the group's first entry whose What starts with prefix.
func entry(t *testing.T, g report.TimelineGroup, source, prefix string) report.TimelineEntry {
	t.Helper()
	for _, e := range g.Entries {
		if e.Source == source && strings.HasPrefix(e.What, prefix) {
			return e
		}
	}
	t.Fatalf("group %q has no %s entry %q: %+v", g.Title, source, prefix, g.Entries)
	return report.TimelineEntry{}
}

// checkOrder: each group's entries in time order, the groups in the order
// their windows open.
func checkOrder(t *testing.T, tl *report.Timeline) {
	t.Helper()
	var from time.Time
	for _, g := range tl.Groups {
		if g.From.Before(from) {
			t.Errorf("group %q opens before the one above it", g.Title)
		}
		from = g.From
		for i := 1; i < len(g.Entries); i++ {
			if g.Entries[i].At.Before(g.Entries[i-1].At) {
				t.Errorf("group %q: %q (%s) after %q (%s)", g.Title, g.Entries[i].What, g.Entries[i].At, g.Entries[i-1].What, g.Entries[i-1].At)
			}
		}
	}
}

// checkTextMatchesJSON: the text view shows the JSON timeline's groups,
// entries (with their times), gaps and notes, in the same order. The two
// runs are seconds apart, so only what was read "now" (a waiting
// container's state, dated when read) may differ in time.
func checkTextMatchesJSON(t *testing.T, out string, tl *report.Timeline) {
	t.Helper()
	start := strings.Index(out, "\nTimeline (")
	end := strings.Index(out, "\nFields that could not be read")
	if end < 0 {
		end = strings.Index(out, "\nRetry history")
	}
	if start < 0 || end < start {
		t.Fatalf("no timeline section between the diagnosis and the retry history:\n%s", out)
	}
	section := out[start:end]
	layout := "15:04:05"
	if tl.SpansDays() {
		layout = "2006-01-02 15:04:05"
	}
	pos := 0
	find := func(what string, line func(string) bool) {
		t.Helper()
		for _, l := range strings.SplitAfter(section[pos:], "\n") {
			pos += len(l)
			if line(l) {
				return
			}
		}
		t.Errorf("the text lacks %s after the line before it\n%s", what, section)
		pos = 0
	}
	for _, g := range tl.Groups {
		find("group "+g.Title, func(l string) bool { return strings.HasPrefix(l, "  "+g.Title) })
		for _, e := range g.Entries {
			find("entry "+e.What, func(l string) bool {
				ok := strings.HasPrefix(l, "    ") && strings.HasSuffix(strings.TrimRight(l, "\n"), e.What) && strings.Contains(l, " "+e.Source+" ")
				if !strings.HasSuffix(e.What, "(as read)") {
					ok = ok && strings.HasPrefix(l, "    "+e.At.UTC().Format(layout)+"  ")
				}
				return ok
			})
		}
	}
	for _, g := range tl.Gaps {
		find("gap "+g.What, func(l string) bool { return strings.TrimSpace(l) == "! "+g.What })
	}
	for _, n := range tl.Notes {
		find("note "+n, func(l string) bool { return strings.TrimSpace(l) == "- "+n })
	}
}

// The v1 backup whose retries ran out: one group per retry, the late
// second retry's gap against the fixture's times, the OOMKilled pod in
// the attempt that started it, with its cause, and the br errors it
// logged.
func TestTimelineExhaustedV1(t *testing.T) {
	out, tl := timelineOf(t, "tidb/nightly")
	checkOrder(t, tl)
	checkTextMatchesJSON(t, out, tl)
	if got := strings.Join(titles(tl), "|"); got != "retry #1|retry #2|retry #3 (not run: the backup failed)" {
		t.Errorf("groups: %s", got)
	}
	now := s.env.Now.Truncate(time.Second)
	due, started := now.Add(-30*time.Minute), now.Add(fixtures.NightlyRetry2Started)
	layout := "15:04"
	if tl.SpansDays() {
		layout = "2006-01-02 15:04"
	}
	var late *report.TimelineGap
	for i, g := range tl.Gaps {
		if strings.HasPrefix(g.What, "retry #2 due") {
			late = &tl.Gaps[i]
		}
	}
	want := "retry #2 due " + due.UTC().Format(layout) + ", started " + started.UTC().Format(layout) + ": 4 minutes late"
	if late == nil || late.What != want || !late.Due.Equal(due) || late.At == nil || !late.At.Equal(started) || time.Duration(late.Late) != 4*time.Minute || late.Pending {
		t.Errorf("late retry gap: %+v, want %q", tl.Gaps, want)
	}
	if len(tl.Gaps) != 1 {
		t.Errorf("the other retries were on time and every failure was recorded within 30 s: %+v", tl.Gaps)
	}

	r1, r2, r3 := group(t, tl, "retry #1"), group(t, tl, "retry #2"), group(t, tl, "retry #3")
	if !r2.From.Equal(now.Add(-40*time.Minute)) || r2.Retry != 2 {
		t.Errorf("retry #2 opens at %s (retry %d), want the second failure's detection", r2.From, r2.Retry)
	}
	entry(t, r1, report.SourceEvent, "Warning FailedCreate")
	entry(t, r1, report.SourceController, "controller log line")
	oom := entry(t, r2, report.SourcePod, "container backup terminated: OOMKilled, exit code 137, memory limit 512Mi")
	if oom.Object != "Pod/backup-nightly-7xq2m" || !oom.At.Equal(now.Add(-20*time.Minute-35*time.Second)) {
		t.Errorf("OOMKilled entry: %+v", oom)
	}
	entry(t, r2, report.SourceJob, "Job Failed=True (BackoffLimitExceeded)")
	entry(t, r2, report.SourceEvent, "Warning BackoffLimitExceeded")
	entry(t, r2, report.SourceRetry, "retry #2 started (4 minutes late)")
	first := entry(t, r2, report.SourcePodLog, "first error line")
	last := entry(t, r2, report.SourcePodLog, "last error line")
	if !strings.Contains(first.Detail, "range-sn=412") || !strings.Contains(last.Detail, "range-sn=655") || !last.At.After(first.At) {
		t.Errorf("error lines: %+v / %+v", first, last)
	}
	entry(t, r3, report.SourceCondition, "condition Failed=True (AlreadyFailed)")
	entry(t, r3, report.SourceRetry, "retry #3 due (never run: the backup failed)")
	for _, g := range tl.Groups {
		for _, e := range g.Entries {
			if strings.Contains(e.Detail, "DECOY") || strings.Contains(e.Detail, "EARLY") || strings.Contains(e.Object, "stale") {
				t.Errorf("a decoy on the timeline: %+v", e)
			}
		}
	}
	// Prometheus is found but holds nothing of this backup, or is absent:
	// either way the timeline says what it could not include.
	if !strings.Contains(strings.Join(tl.Notes, "\n"), "attempts left no Job") {
		t.Errorf("notes: %q", tl.Notes)
	}
}

// Operator v2: a retried snapshot whose new pod cannot pull its image. v2
// records no events, and the timeline says so.
func TestTimelineV2PullError(t *testing.T) {
	out, tl := timelineOf(t, "tidb-v2/daily")
	checkOrder(t, tl)
	checkTextMatchesJSON(t, out, tl)
	if got := strings.Join(titles(tl), "|"); got != "first run|retry #1" {
		t.Errorf("groups: %s", got)
	}
	now := s.env.Now.Truncate(time.Second)
	entry(t, group(t, tl, "first run"), report.SourceCondition, "condition Running=True (Running)")
	r1 := group(t, tl, "retry #1")
	pull := entry(t, r1, report.SourcePod, "container backup waiting: ImagePullBackOff (as read)")
	if pull.Object != "Pod/backup-daily-p9v4c" || !strings.Contains(pull.Detail, `Back-off pulling image "pingcap/tidb-backup-manager:v2.0.O"`) {
		t.Errorf("pull error entry: %+v", pull)
	}
	if j := entry(t, r1, report.SourceJob, "Job started"); !j.At.Equal(now.Add(-3 * time.Minute)) {
		t.Errorf("job started %s", j.At)
	}
	entry(t, r1, report.SourceCondition, "condition Restart=True (RetryTriggered)")
	entry(t, r1, report.SourceRetry, "retry #1 started")
	var ctrl int
	for _, g := range tl.Groups {
		for _, e := range g.Entries {
			if e.Source == report.SourceController {
				ctrl++
			}
			if e.Source == report.SourceEvent {
				t.Errorf("v2 records no events: %+v", e)
			}
		}
	}
	if ctrl != 2 {
		t.Errorf("want the 2 zap lines about tidb-v2/daily, got %d", ctrl)
	}
	if len(tl.Gaps) != 0 {
		t.Errorf("gaps: %+v", tl.Gaps)
	}
	if !strings.Contains(strings.Join(tl.Notes, "\n"), "events: no events") {
		t.Errorf("notes: %q", tl.Notes)
	}
}

// The v1 log backup with a retry pending (not yet due): the RetryStarted
// events in the retries they announced; the Job that failed with
// AccessDenied ran in retry #1's attempt (its failure opened retry #2), and
// its error lines go with it.
func TestTimelineLogBackupPending(t *testing.T) {
	out, tl := timelineOf(t, "tidb/logstream")
	checkOrder(t, tl)
	checkTextMatchesJSON(t, out, tl)
	r1, r2 := group(t, tl, "retry #1"), group(t, tl, "retry #2 (pending)")
	entry(t, r2, report.SourceEvent, "Normal RetryStarted")
	entry(t, r1, report.SourceEvent, "Normal RetryStarted")
	if e := entry(t, r1, report.SourcePodLog, "first error line"); !strings.Contains(e.Detail, "AccessDenied") {
		t.Errorf("error line: %+v", e)
	}
	if e := entry(t, r1, report.SourcePodLog, "last error line"); !strings.HasPrefix(e.Detail, "Error: failed to check task exists") {
		t.Errorf("last error line: %+v", e)
	}
	entry(t, r1, report.SourceJob, "Job Failed=True (BackoffLimitExceeded)")
	entry(t, group(t, tl, "first run"), report.SourceBackup, "checkpoint: data backed up to here")
	for _, g := range tl.Gaps {
		if g.Pending && strings.HasPrefix(g.What, "retry") {
			t.Errorf("a retry due in 59 minutes is not late: %+v", g)
		}
	}
}

// Without --timeline nothing changes: no timeline, the pod log read once,
// without timestamps. With it, the pod log is read twice, with them.
func TestTimelineOnlyWhenAsked(t *testing.T) {
	podLogReads := func() (n int, stamped int) {
		for _, u := range s.cluster.Kubelet.Requests() {
			if strings.Contains(u, "backup-nightly-7xq2m") {
				n++
				if strings.Contains(u, "timestamps=true") {
					stamped++
				}
			}
		}
		return n, stamped
	}
	s.cluster.Kubelet.ResetRequests()
	r := plugin(t, "investigate", "tidb/nightly", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["timeline"]; ok {
		t.Error("a timeline without --timeline")
	}
	if n, stamped := podLogReads(); n != 1 || stamped != 0 {
		t.Errorf("plain investigate read the pod log %d times (%d with timestamps)", n, stamped)
	}
	if text := plugin(t, "investigate", "tidb/nightly"); strings.Contains(text.stdout, "\nTimeline (") {
		t.Error("a timeline section without --timeline")
	}
	s.cluster.Kubelet.ResetRequests()
	rep := investigateJSON(t, "tidb/nightly", "--timeline")
	if n, stamped := podLogReads(); n != 2 || stamped != 2 {
		t.Errorf("--timeline read the pod log %d times (%d with timestamps), want its tail and its start", n, stamped)
	}
	if rep.PodLog.FirstError == nil || rep.PodLog.LastError == nil || len(rep.PodLog.Lines) != 3 {
		t.Errorf("pod log: %+v", rep.PodLog)
	}
}

// Text from the cluster reaches the timeline inert.
func TestTimelineHostileText(t *testing.T) {
	hostileBackup(t, "evil-timeline")
	r := plugin(t, "investigate", hostileNS+"/evil-timeline", "--timeline")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	assertTerminalSafe(t, r.stdout)
	section := r.stdout[strings.Index(r.stdout, "\nTimeline ("):strings.Index(r.stdout, "\nRetry history")]
	for _, field := range []string{"condition Scheduled", "Warning BackupFailed", "job ", "exit ", "[ERROR] "} {
		if !strings.Contains(section, field+`\x1b[2J`) {
			t.Errorf("%q is not on the timeline, escaped:\n%s", field, section)
		}
	}
	for _, format := range []string{"json", "yaml"} {
		r := plugin(t, "investigate", hostileNS+"/evil-timeline", "--timeline", "-o", format)
		if r.code != 0 || !strings.Contains(r.stdout, "timeline") {
			t.Fatalf("-o %s: exit %d: %s", format, r.code, r.stderr)
		}
		assertTerminalSafe(t, r.stdout)
	}
}
