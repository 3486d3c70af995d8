package timeline

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

var day = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// hm is a time on the fixture's day: hm(14, 31) is 14:31:00 UTC.
func hm(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

func ptr(t time.Time) *time.Time { return &t }

const hostile = "\x1b[2J\x1b]0;pwned\x07 fake\nline"

// exhausted is a v1 snapshot backup's report at 15:00: created 13:30; the
// first Job failed 13:40, recorded 13:40:20, retried on time 13:45:20; the
// second failed, recorded 13:55, due 14:05, started 14:31 (26 minutes
// late); its Job's pod was OOMKilled 14:40, recorded only at 14:50 as
// retry #3, past the limit: Failed. Only the third Job is left.
func exhausted() *report.Report {
	now := hm(15, 0)
	code137, code0 := int32(137), int32(0)
	b := &backup.Backup{Group: backup.GroupV1, Version: backup.Version, Namespace: "tidb", Name: "nightly", Created: hm(13, 30), Mode: "snapshot", Phase: "Failed",
		Policy: backup.RetryPolicy{MaxRetryTimes: 2, MinRetryDuration: backup.Duration(5 * time.Minute), RetryTimeout: backup.Duration(2 * time.Hour)},
		Records: []backup.RetryRecord{
			{RetryNum: 1, DetectFailedAt: ptr(hm(13, 40).Add(20 * time.Second)), ExpectedRetryAt: ptr(hm(13, 45).Add(20 * time.Second)), RealRetryAt: ptr(hm(13, 45).Add(20 * time.Second)), RetryReason: "Job backup-nightly has failed", OriginalReason: "BackoffLimitExceeded"},
			{RetryNum: 2, DetectFailedAt: ptr(hm(13, 55)), ExpectedRetryAt: ptr(hm(14, 5)), RealRetryAt: ptr(hm(14, 31)), RetryReason: "Job backup-nightly has failed", OriginalReason: "BackoffLimitExceeded"},
			{RetryNum: 3, DetectFailedAt: ptr(hm(14, 50)), ExpectedRetryAt: ptr(hm(15, 10)), RetryReason: "Job backup-nightly has failed", OriginalReason: "BackoffLimitExceeded"},
		},
		Conditions: []backup.Condition{
			{Type: "Scheduled", Status: "True", LastTransitionTime: ptr(hm(14, 31).Add(5 * time.Second))},
			{Type: "RetryFailed", Status: "True", Reason: "RetryFailedBackup", Message: "reason R, original reason O", LastTransitionTime: ptr(hm(14, 31))},
			{Type: "Failed", Status: "True", Reason: "AlreadyFailed", Message: "exceed retry times, max is 2", LastTransitionTime: ptr(hm(14, 50))},
		},
	}
	r := report.New(backup.Ref{Namespace: "tidb", Name: "nightly"}, now)
	s := b.Retry(now)
	r.Backup = report.BackupSection{Backup: b, Retry: &s}
	jobStart := hm(14, 31).Add(5 * time.Second)
	r.Workload = report.WorkloadSection{
		Jobs: []report.Job{{Name: "backup-nightly", Created: jobStart, Started: &jobStart, Failed: 1, Conditions: []string{"FailureTarget=True", "Failed=True (BackoffLimitExceeded)"},
			Transitions: []report.JobCondition{
				{Type: "FailureTarget", Status: "True", Reason: "BackoffLimitExceeded", At: hm(14, 40).Add(5 * time.Second)},
				{Type: "Failed", Status: "True", Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", At: hm(14, 40).Add(5 * time.Second)},
			}}},
		Pods: []report.Pod{{Name: "backup-nightly-abc", Job: "backup-nightly", Phase: "Failed", Node: "node-1", Started: &jobStart, Containers: []report.Container{
			{Name: "br", Init: true, State: "terminated", Reason: "Completed", ExitCode: &code0, StartedAt: ptr(hm(14, 31).Add(10 * time.Second)), FinishedAt: ptr(hm(14, 31).Add(12 * time.Second))},
			{Name: "backup", State: "terminated", Reason: "OOMKilled", ExitCode: &code137, MemoryLimit: "512Mi", StartedAt: ptr(hm(14, 31).Add(12 * time.Second)), FinishedAt: ptr(hm(14, 40))},
		}}},
	}
	r.Events = report.EventsSection{Items: []report.Event{ // newest first, as gathered
		{Object: "Job/backup-nightly", Type: "Warning", Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", Count: 1, LastSeen: hm(14, 40).Add(5 * time.Second), FirstSeen: ptr(hm(14, 40).Add(5 * time.Second))},
		{Object: "Backup/nightly", Type: "Warning", Reason: "FailedCreate", Message: "create job failed: " + hostile, Count: 3, LastSeen: hm(13, 48), FirstSeen: ptr(hm(13, 45).Add(21 * time.Second))},
		{Object: "Backup/nightly", Type: "Normal", Reason: "SuccessfulCreate", Message: "create job tidb/backup-nightly successful", Count: 1, LastSeen: hm(13, 30).Add(time.Second)},
	}}
	r.PodLog = report.PodLogSection{Pod: "backup-nightly-abc", Container: "backup", Lines: []string{"x"},
		FirstError: &report.LogLine{At: hm(14, 35), Text: "[2026/11/25 14:35:00.000 +00:00] [ERROR] [s3.go:1] [\"slow\"] " + hostile},
		LastError:  &report.LogLine{At: hm(14, 39).Add(59 * time.Second), Text: "panic: out of memory"}}
	r.Controller = report.ControllerSection{Matched: 2, Lines: []string{"I1125 13:40:20 job failed, will retry", "I1125 14:50:00 exceed retry times"},
		Times: []time.Time{hm(13, 40).Add(20 * time.Second), hm(14, 50)}}
	r.Metrics = report.MetricsSection{Prometheus: "http://prom", Alerts: &report.AlertsPart{Items: []report.Alert{}, History: []report.AlertTransition{
		{Name: "LogBackupRetrying", State: "pending", Severity: "warning", At: hm(13, 41)},
		{Name: "LogBackupRetrying", State: "firing", Severity: "warning", At: hm(13, 46)},
		{Name: "LogBackupRetrying", State: "resolved", At: hm(14, 55)},
	}}}
	return r
}

// whats lists a group's entries as "source what".
func whats(g report.TimelineGroup) []string {
	var out []string
	for _, e := range g.Entries {
		out = append(out, e.Source+" "+e.What)
	}
	return out
}

func TestGroupsByCause(t *testing.T) {
	tl := Build(exhausted())
	var titles []string
	for _, g := range tl.Groups {
		titles = append(titles, g.Title)
	}
	if got := strings.Join(titles, "|"); got != "first run|retry #1|retry #2|retry #3 (not run: the backup failed)" {
		t.Fatalf("groups: %s", got)
	}
	want := [][]string{
		{"backup Backup created", "event Normal SuccessfulCreate"},
		{"retry retry #1: failure detected", "controller controller log line", "alert alert LogBackupRetrying pending",
			"retry retry #1 due", "retry retry #1 started", "event Warning FailedCreate (x3 over 3 minutes)", "alert alert LogBackupRetrying firing"},
		{"retry retry #2: failure detected", "retry retry #2 due", "retry retry #2 started (26 minutes late)", "condition condition RetryFailed=True (RetryFailedBackup)",
			// Equal times: the condition, then the Job, then its Pod.
			"condition condition Scheduled=True", "job Job started", "pod Pod started on node node-1",
			"pod init container br started", "pod init container br terminated: Completed, exit code 0", "pod container backup started",
			"pod-log first error line (container backup)", "pod-log last error line (container backup)",
			"pod container backup terminated: OOMKilled, exit code 137, memory limit 512Mi",
			// FailureTarget is left out: Failed says the same.
			"job Job Failed=True (BackoffLimitExceeded)", "event Warning BackoffLimitExceeded"},
		{"retry retry #3: failure detected", "condition condition Failed=True (AlreadyFailed)", "controller controller log line",
			"alert alert LogBackupRetrying resolved", "retry retry #3 due (never run: the backup failed)"},
	}
	for i, g := range tl.Groups {
		if got := whats(g); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("group %q:\n got  %q\n want %q", g.Title, got, want[i])
		}
		for k := 1; k < len(g.Entries); k++ {
			if g.Entries[k].At.Before(g.Entries[k-1].At) {
				t.Errorf("group %q not in time order at %d", g.Title, k)
			}
		}
	}
	if g := tl.Groups[2]; g.Retry != 2 || !g.From.Equal(hm(13, 55)) {
		t.Errorf("retry #2 group: retry %d from %v", g.Retry, g.From)
	}
	// The model keeps the cluster's text raw: the renderer escapes it.
	if d := tl.Groups[1].Entries[5].Detail; !strings.Contains(d, hostile) {
		t.Errorf("event message not kept raw: %q", d)
	}
	if d := tl.Groups[2].Entries[0].Detail; d != "reason: Job backup-nightly has failed; original reason: BackoffLimitExceeded" {
		t.Errorf("record detail: %q", d)
	}
}

func TestGapsLateRetryAndSilentFailure(t *testing.T) {
	tl := Build(exhausted())
	if len(tl.Gaps) != 2 {
		t.Fatalf("gaps: %+v", tl.Gaps)
	}
	late := tl.Gaps[0]
	if late.What != "retry #2 due 14:05, started 14:31: 26 minutes late" || time.Duration(late.Late) != 26*time.Minute ||
		!late.Due.Equal(hm(14, 5)) || late.At == nil || !late.At.Equal(hm(14, 31)) || late.Pending {
		t.Errorf("late retry: %+v", late)
	}
	silent := tl.Gaps[1]
	if silent.What != "Job backup-nightly failed at 14:40, recorded as retry #3 at 14:50: 10 minutes later" || time.Duration(silent.Late) != 9*time.Minute+55*time.Second {
		t.Errorf("silence before detection: %+v", silent)
	}
	// Retry #1 started on time, and no failure the report holds is near
	// its detection: no gap for it.
	if !strings.Contains(strings.Join(tl.Notes, "\n"), "jobs and pods: 2 of 3 attempts left no Job") {
		t.Errorf("notes: %q", tl.Notes)
	}
}

// A retry past due and not started: pending, late by the report's time,
// not the clock's.
func TestPendingRetryPastDue(t *testing.T) {
	r := exhausted()
	b := r.Backup.Backup
	b.Phase = "Scheduled"
	b.Records = b.Records[:1]
	b.Records[0].RealRetryAt = nil
	b.Conditions = nil
	r.GeneratedAt = b.Records[0].ExpectedRetryAt.Add(40 * time.Minute)
	s := b.Retry(r.GeneratedAt)
	r.Backup.Retry = &s
	r.Workload = report.WorkloadSection{Jobs: []report.Job{}, Pods: []report.Pod{}}
	tl := Build(r)
	last := tl.Groups[len(tl.Groups)-1]
	if last.Title != "retry #1 (pending)" {
		t.Errorf("title %q", last.Title)
	}
	// The pending retry has not started an attempt: the one Job-less
	// attempt is the first run's.
	if n := strings.Join(tl.Notes, "\n"); !strings.Contains(n, "jobs and pods: the first run left no Job") {
		t.Errorf("notes: %q", tl.Notes)
	}
	var pending []report.TimelineGap
	for _, g := range tl.Gaps {
		if g.Pending {
			pending = append(pending, g)
		}
	}
	if len(pending) != 1 || pending[0].What != "retry #1 due 13:45, not started after 40 minutes" || pending[0].At != nil ||
		time.Duration(pending[0].Late) != 40*time.Minute {
		t.Errorf("pending gap: %+v", tl.Gaps)
	}
}

// A timeline over several days dates its gaps.
func TestDatesWhenSpanningDays(t *testing.T) {
	r := exhausted()
	r.Backup.Backup.Created = hm(13, 30).Add(-48 * time.Hour)
	tl := Build(r)
	if got := tl.Gaps[0].What; got != "retry #2 due 2026-11-25 14:05, started 2026-11-25 14:31: 26 minutes late" {
		t.Errorf("gap: %s", got)
	}
}

func TestCheckpointGap(t *testing.T) {
	r := exhausted()
	b := r.Backup.Backup
	b.Mode, b.LogSubcommand, b.Phase, b.Records = "log", "log-start", "Running", nil
	r.Backup.Retry = &backup.RetryState{}
	cp := r.GeneratedAt.Add(-2 * time.Hour)
	r.Backup.Checkpoint = &report.Checkpoint{TSO: backup.TSOFromTime(cp), Time: cp, Lag: backup.Duration(2 * time.Hour)}
	r.Metrics.Task = &report.TaskFigures{Task: "nightly", MovedAt: ptr(cp.Add(time.Minute))}
	tl := BuildWith(r, Options{CheckpointLag: 10 * time.Minute})
	var got *report.TimelineGap
	for i := range tl.Gaps {
		if strings.HasPrefix(tl.Gaps[i].What, "checkpoint") {
			got = &tl.Gaps[i]
		}
	}
	if got == nil || got.What != "checkpoint stuck at 13:00: 2 hours behind, 1 hour 50 minutes past --checkpoint-lag 10m0s; last moved 13:01" ||
		!got.Pending || !got.Due.Equal(cp.Add(10*time.Minute)) {
		t.Fatalf("checkpoint gap: %+v", tl.Gaps)
	}
	found := map[string]bool{}
	for _, g := range tl.Groups {
		for _, e := range g.Entries {
			found[e.Source+" "+e.What] = true
		}
	}
	if !found["metrics checkpoint last moved"] || !found["backup checkpoint: data backed up to here (status.logCheckpointTs)"] {
		t.Errorf("checkpoint entries missing: %v", found)
	}
	if tl := BuildWith(r, Options{CheckpointLag: 3 * time.Hour}); len(tl.Gaps) != 0 {
		t.Errorf("within --checkpoint-lag: %+v", tl.Gaps)
	}
}

// Sections that could not be read are notes; what was read is still
// placed, and nothing is made up.
func TestFailedSections(t *testing.T) {
	r := exhausted()
	r.Events = report.EventsSection{Items: []report.Event{}, Error: "forbidden: missing permission to list events " + hostile}
	r.Workload = report.WorkloadSection{Jobs: []report.Job{}, Pods: []report.Pod{}, Error: "forbidden: missing permission to list jobs"}
	r.PodLog = report.PodLogSection{Lines: []string{}, Error: "not read: the backup's pods could not be listed"}
	r.Controller = report.ControllerSection{Lines: []string{}, Error: "controller not found"}
	r.Metrics = report.MetricsSection{Skipped: "not queried"}
	r.Interrupted = true
	tl := Build(r)
	joined := strings.Join(tl.Notes, "\n")
	for _, want := range []string{"interrupted:", "events: forbidden: missing permission to list events " + hostile, "jobs and pods: forbidden",
		"pod log: not read", "controller: controller not found", "Prometheus: not queried: no alert transitions"} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
	for _, g := range tl.Groups {
		for _, e := range g.Entries {
			if e.Source != report.SourceRetry && e.Source != report.SourceCondition && e.Source != report.SourceBackup {
				t.Errorf("entry from a section not read: %+v", e)
			}
		}
	}
	if len(tl.Gaps) != 1 { // the late retry is the records'; the silent failure needed the Job
		t.Errorf("gaps: %+v", tl.Gaps)
	}

	none := Build(&report.Report{GeneratedAt: hm(15, 0), Backup: report.BackupSection{Error: "forbidden"}})
	if len(none.Groups) != 0 || len(none.Notes) != 1 || none.Notes[0] != "backup: not read: forbidden" || none.Gaps == nil {
		t.Errorf("no backup: %+v", none)
	}
}

// The same report gives the same timeline, and its JSON lists are never
// null.
func TestDeterministic(t *testing.T) {
	a, b := Build(exhausted()), Build(exhausted())
	if !reflect.DeepEqual(a, b) {
		t.Error("two builds differ")
	}
	r := exhausted()
	r.Backup.Backup.Records = nil
	r.Workload = report.WorkloadSection{Jobs: []report.Job{}, Pods: []report.Pod{}}
	r.Events.Items, r.Controller.Lines, r.Controller.Times, r.PodLog = nil, nil, nil, report.PodLogSection{}
	r.Metrics = report.MetricsSection{}
	r.Backup.Backup.Conditions = nil
	out, err := json.Marshal(Build(r))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "null") {
		t.Errorf("null in %s", out)
	}
}

// A report saved before controller lines had times says so instead of
// placing them anywhere.
func TestSavedReportWithoutTimes(t *testing.T) {
	r := exhausted()
	r.Controller.Times = nil
	tl := Build(r)
	for _, g := range tl.Groups {
		for _, e := range g.Entries {
			if e.Source == report.SourceController {
				t.Errorf("undated controller line placed: %+v", e)
			}
		}
	}
	if !strings.Contains(strings.Join(tl.Notes, "\n"), "controller: the lines carry no times") {
		t.Errorf("notes: %q", tl.Notes)
	}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45 seconds", time.Minute: "1 minute", 26*time.Minute + 20*time.Second: "26 minutes",
		64 * time.Minute: "1 hour 4 minutes", 2 * time.Hour: "2 hours", 51 * time.Hour: "2 days 3 hours",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %q, want %q", d, got, want)
		}
	}
}
