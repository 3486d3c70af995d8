package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func ptr(t time.Time) *time.Time { return &t }

func rep(b *backup.Backup) *report.Report {
	r := report.New(backup.Ref{Namespace: "tidb", Name: "x"}, now)
	if b.Policy == (backup.RetryPolicy{}) {
		b.Policy = backup.RetryPolicy{MaxRetryTimes: 2, MinRetryDuration: backup.DefaultMinRetryDuration, RetryTimeout: backup.DefaultRetryTimeout}
	}
	s := b.Retry(now)
	r.Backup = report.BackupSection{Backup: b, Retry: &s}
	return r
}

func summaries(fs []report.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Severity)+": "+f.Summary+" => "+f.Next)
	}
	return strings.Join(out, "\n")
}

func expect(t *testing.T, fs []report.Finding, sev report.Severity, wants ...string) {
	t.Helper()
	all := summaries(fs)
	for _, f := range fs {
		if f.Severity != sev {
			continue
		}
		ok := true
		for _, w := range wants {
			ok = ok && strings.Contains(f.Summary+" "+f.Next, w)
		}
		if ok {
			return
		}
	}
	t.Errorf("no %s finding with %q in:\n%s", sev, wants, all)
}

func TestExhaustedByCountAndTimeout(t *testing.T) {
	recs := []backup.RetryRecord{{RetryNum: 1, DetectFailedAt: ptr(now.Add(-time.Hour))}, {RetryNum: 2}, {RetryNum: 3}}
	b := &backup.Backup{Phase: "Failed", Records: recs, Conditions: []backup.Condition{{Type: "Failed", Status: "True", Reason: "ExceedRetryLimit"}}}
	fs := Diagnose(rep(b), Options{})
	expect(t, fs, report.Critical, "Retries exhausted", "all 2 allowed retries", "fix the cause", "recreate")
	if fs[0].Severity != report.Critical {
		t.Errorf("critical first: %s", summaries(fs))
	}
	b = &backup.Backup{Phase: "Failed", Records: recs, Conditions: []backup.Condition{{Type: "Failed", Status: "True", Reason: "RetryTimeout"}}}
	expect(t, Diagnose(rep(b), Options{}), report.Critical, "retry timeout of 30m0s")
}

func TestAtLimitStillRetrying(t *testing.T) {
	b := &backup.Backup{Phase: "RetryFailed", Records: []backup.RetryRecord{
		{RetryNum: 1, DetectFailedAt: ptr(now.Add(-10 * time.Minute)), RealRetryAt: ptr(now)},
		{RetryNum: 2, DetectFailedAt: ptr(now.Add(-time.Minute)), ExpectedRetryAt: ptr(now.Add(9 * time.Minute))}}}
	fs := Diagnose(rep(b), Options{})
	expect(t, fs, report.Warning, "Retry limit reached", "reset-retries tidb/x")
	expect(t, fs, report.Info, "Retry 2 of 2 is pending", "in 9m")
}

func TestContainerCauses(t *testing.T) {
	code := int32(137)
	one := int32(1)
	cases := []struct {
		c    report.Container
		sev  report.Severity
		want []string
	}{
		{report.Container{Name: "backup", State: "terminated", Reason: "OOMKilled", ExitCode: &code, MemoryLimit: "512Mi"}, report.Critical, []string{"OOMKilled (memory limit 512Mi)", "above 512Mi", "1Gi"}},
		{report.Container{Name: "backup", State: "waiting", Reason: "ImagePullBackOff", Message: "Back-off pulling image"}, report.Critical, []string{"cannot pull its image", "imagePullSecrets"}},
		{report.Container{Name: "backup", State: "waiting", Reason: "ErrImagePull"}, report.Critical, []string{"cannot pull"}},
		{report.Container{Name: "br", Init: true, State: "waiting", Reason: "CrashLoopBackOff"}, report.Warning, []string{"CrashLoopBackOff"}},
		{report.Container{Name: "backup", State: "terminated", Reason: "Error", ExitCode: &one}, report.Warning, []string{"exited with code 1 (Error)"}},
	}
	for _, c := range cases {
		r := rep(&backup.Backup{Phase: "Running"})
		r.Workload.Pods = []report.Pod{{Name: "p", Containers: []report.Container{c.c}}}
		expect(t, Diagnose(r, Options{}), c.sev, c.want...)
	}
}

func TestStorageErrorsInPodLog(t *testing.T) {
	for line, want := range map[string]string{
		`[error="AccessDenied: Access Denied"]`:             "storage credentials",
		`NoSuchBucket: The specified bucket does not exist`: "bucket",
		`RequestTimeout: Your socket connection`:            "connectivity",
		`dial tcp: lookup s3.example: no such host`:         "connectivity",
	} {
		r := rep(&backup.Backup{Phase: "Running"})
		r.PodLog = report.PodLogSection{Pod: "p", Lines: []string{"ok", line}}
		expect(t, Diagnose(r, Options{}), report.Critical, "Storage error", want)
	}
}

func TestLogBackupNotCovered(t *testing.T) {
	b := &backup.Backup{Mode: "log", Phase: "Failed", Conditions: []backup.Condition{{Type: "Failed", Status: "True", Reason: "LogBackupTaskNotFound", Message: "gone"}}}
	expect(t, Diagnose(rep(b), Options{}), report.Warning, "no retry records", "does not cover", "LogBackupTaskNotFound")
	b.Mode = "snapshot"
	if strings.Contains(summaries(Diagnose(rep(b), Options{})), "does not cover") {
		t.Error("the log-only finding fired for a snapshot backup")
	}
}

func TestCheckpointLag(t *testing.T) {
	b := &backup.Backup{Mode: "log", LogSubcommand: "log-start", Phase: "Running"}
	r := rep(b)
	r.Backup.Checkpoint = &report.Checkpoint{Time: now.Add(-time.Hour), Lag: backup.Duration(time.Hour)}
	expect(t, Diagnose(r, Options{CheckpointLag: 10 * time.Minute}), report.Warning, "checkpoint is 60m behind")
	if strings.Contains(summaries(Diagnose(r, Options{CheckpointLag: 2 * time.Hour})), "checkpoint") {
		t.Error("lag under the threshold reported")
	}
	b.LogSubcommand = "log-pause"
	if strings.Contains(summaries(Diagnose(r, Options{CheckpointLag: 10 * time.Minute})), "checkpoint") {
		t.Error("a paused log backup's lag reported")
	}
}

func TestOverdueRetry(t *testing.T) {
	b := &backup.Backup{Phase: "RetryFailed", Policy: backup.RetryPolicy{MaxRetryTimes: 5, RetryTimeout: backup.DefaultRetryTimeout},
		Records: []backup.RetryRecord{{RetryNum: 1, DetectFailedAt: ptr(now.Add(-20 * time.Minute)), ExpectedRetryAt: ptr(now.Add(-15 * time.Minute))}}}
	expect(t, Diagnose(rep(b), Options{}), report.Warning, "was due", "15m", "controller")
}

func TestControllerAndForbidden(t *testing.T) {
	r := rep(&backup.Backup{Phase: "Complete"})
	r.Controller.Error = "controller not found: no pod matches"
	r.Events.Error = "forbidden: missing permission to list events"
	fs := Diagnose(r, Options{})
	expect(t, fs, report.Info, "Controller logs unavailable", "controller not found")
	expect(t, fs, report.Info, "Section events incomplete", "list events")
	expect(t, fs, report.Info, "No problem found")
	noHealthyWhenFailed := rep(&backup.Backup{Phase: "Failed"})
	noHealthyWhenFailed.Controller.Error = "controller not found"
	noHealthy(t, Diagnose(noHealthyWhenFailed, Options{}))
}

func TestHealthy(t *testing.T) {
	fs := Diagnose(rep(&backup.Backup{Phase: "Complete"}), Options{})
	if len(fs) != 1 || !strings.Contains(fs[0].Summary, "No problem found: phase Complete") {
		t.Errorf("healthy: %s", summaries(fs))
	}
}

func noHealthy(t *testing.T, fs []report.Finding) {
	t.Helper()
	if strings.Contains(summaries(fs), "No problem found") {
		t.Errorf("a troubled backup was called healthy:\n%s", summaries(fs))
	}
}

// Phases that end a backup without exhausting retries still get a verdict.
func TestTerminalPhasesWithoutRecords(t *testing.T) {
	for _, phase := range []string{"Failed", "Invalid", "CleanFailed"} {
		b := &backup.Backup{Mode: "snapshot", Phase: phase, Conditions: []backup.Condition{{Type: phase, Status: "True", Reason: "BackupFailed", Message: "br exited\nwith 1"}}}
		fs := Diagnose(rep(b), Options{})
		expect(t, fs, report.Critical, "The backup is "+phase+" (BackupFailed: br exited with 1)", "recreate")
		noHealthy(t, fs)
	}
}

func TestTransientRetryFailedWithoutRecords(t *testing.T) {
	b := &backup.Backup{Mode: "log", Phase: "RetryFailed", Conditions: []backup.Condition{{Type: "RetryFailed", Status: "True", Reason: "CreateBackupJobFailed", Message: "quota"}}}
	fs := Diagnose(rep(b), Options{})
	expect(t, fs, report.Warning, "RetryFailed (CreateBackupJobFailed: quota)", "transient", "controller log")
	noHealthy(t, fs)
}

// Zero retries allowed is a policy, not a missing value.
func TestZeroRetriesAllowed(t *testing.T) {
	b := &backup.Backup{Phase: "RetryFailed", Policy: backup.RetryPolicy{MaxRetryTimes: 0, RetryTimeout: backup.DefaultRetryTimeout},
		Records: []backup.RetryRecord{{RetryNum: 1, DetectFailedAt: ptr(now.Add(-time.Minute)), ExpectedRetryAt: ptr(now.Add(time.Minute))}}}
	expect(t, Diagnose(rep(b), Options{}), report.Warning, "Retry limit reached (1 of 0 used")
}

// The OOM advice must not contradict "recreate it" on a Failed backup.
func TestOOMAdviceFollowsThePhase(t *testing.T) {
	code := int32(137)
	oom := report.Container{Name: "backup", State: "terminated", Reason: "OOMKilled", ExitCode: &code, MemoryLimit: "1Gi"}
	for phase, want := range map[string]string{"Failed": "then recreate the backup", "RetryFailed": "then let the next retry run"} {
		r := rep(&backup.Backup{Phase: phase, Records: []backup.RetryRecord{{RetryNum: 1}}})
		r.Workload.Pods = []report.Pod{{Name: "p", Containers: []report.Container{oom}}}
		expect(t, Diagnose(r, Options{}), report.Critical, "OOMKilled", "2Gi", want)
	}
}

func TestHealthyMentionsUnreadSections(t *testing.T) {
	r := rep(&backup.Backup{Phase: "Complete"})
	r.Workload.Error = "forbidden"
	expect(t, Diagnose(r, Options{}), report.Info, "No problem found: phase Complete (in what could be read")
}

// Operator v1 keeps the phase at Scheduled while a retry waits: the
// records, not the phase, say the backup is retrying.
func TestWaitingV1RetryIsNotHealthy(t *testing.T) {
	b := &backup.Backup{Phase: "Scheduled", Records: []backup.RetryRecord{
		{RetryNum: 1, DetectFailedAt: ptr(now.Add(-time.Minute)), ExpectedRetryAt: ptr(now.Add(time.Hour)), RetryReason: "Job backup-x has failed"}}}
	fs := Diagnose(rep(b), Options{})
	if strings.Contains(summaries(fs), "No problem found") {
		t.Errorf("a backup waiting for its retry was called healthy:\n%s", summaries(fs))
	}
	expect(t, fs, report.Info, "Retry 1 of 2 is pending")
}

func TestInvalidFields(t *testing.T) {
	b := &backup.Backup{Phase: "Running", Invalid: []backup.FieldError{
		{Field: "spec.backoffRetryPolicy.minRetryDuration", Value: `"banana"`, Expected: "a Go duration such as 300s or 5m; the default 5m0s is assumed"},
		{Field: "status.backoffRetryStatus", Value: `"oops"`, Expected: "a list"},
		{Field: "status.conditions[0].lastTransitionTime", Value: "7", Expected: "an RFC 3339 time"},
	}}
	fs := Diagnose(rep(b), Options{})
	expect(t, fs, report.Critical, "status.backoffRetryStatus is not a list", "reset-retries tidb/x")
	expect(t, fs, report.Warning, "retry policy", `"banana"`, "assume the default")
	expect(t, fs, report.Warning, "1 field of the backup could not be read (status.conditions[0].lastTransitionTime)", "kubectl get backup -o yaml")
}

// A phase no operator writes is never called healthy.
func TestUnknownPhase(t *testing.T) {
	fs := Diagnose(rep(&backup.Backup{Phase: "Failed\ufffd"}), Options{})
	expect(t, fs, report.Warning, "The phase \"Failed\ufffd\" is not one TiDB Operator writes")
	if strings.Contains(summaries(fs), "No problem found") {
		t.Errorf("an unknown phase was called healthy:\n%s", summaries(fs))
	}
	for _, p := range []string{"", "Running", "VolumeBackupComplete", "Stopped", "VolumeBackupInitialized"} {
		if s := summaries(Diagnose(rep(&backup.Backup{Phase: p}), Options{})); strings.Contains(s, "not one TiDB Operator writes") {
			t.Errorf("phase %q: %s", p, s)
		}
	}
}

// A volume snapshot backup that failed is failed, not healthy.
func TestVolumeBackupFailed(t *testing.T) {
	for _, p := range []string{"VolumeBackupFailed", "VolumeBackupInitializeFailed"} {
		fs := Diagnose(rep(&backup.Backup{Phase: p}), Options{})
		expect(t, fs, report.Critical, "The backup is "+p)
	}
	expect(t, Diagnose(rep(&backup.Backup{Phase: "VolumeBackupPwned"}), Options{}), report.Warning, "is not one TiDB Operator writes")
}
