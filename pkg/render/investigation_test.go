package render

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

func sample() *report.Report {
	b := &backup.Backup{
		Group: "pingcap.com", Version: "v1alpha1", Namespace: "tidb", Name: "logstream", Created: now.Add(-30 * time.Hour),
		Mode: "log", LogSubcommand: "log-start", Phase: "RetryFailed",
		Policy: backup.RetryPolicy{MaxRetryTimes: 5, MinRetryDuration: backup.Duration(time.Minute), RetryTimeout: backup.DefaultRetryTimeout, RetryTimeoutDefault: true},
		Records: []backup.RetryRecord{
			{RetryNum: 1, DetectFailedAt: at(-10 * time.Minute), ExpectedRetryAt: at(-9 * time.Minute), RealRetryAt: at(-9 * time.Minute), RetryReason: "JobFailed", OriginalReason: "LogBackupJobFailed"},
			{RetryNum: 2, DetectFailedAt: at(-time.Minute), ExpectedRetryAt: at(time.Minute), RetryReason: "JobFailed", OriginalReason: "LogBackupJobFailed"},
		},
		Conditions: []backup.Condition{{Type: "RetryFailed", Status: "True", Reason: "RetryingLogBackup", Message: "Retrying log backup (attempt 2/5)\nafter 2m0s", LastTransitionTime: at(-time.Minute)}},
	}
	r := report.New(backup.Ref{Namespace: "tidb", Name: "logstream"}, now)
	s := b.Retry(now)
	r.Backup = report.BackupSection{Backup: b, Retry: &s, Checkpoint: &report.Checkpoint{TSO: backup.TSOFromTime(now.Add(-2 * time.Hour)), Time: now.Add(-2 * time.Hour), Lag: backup.Duration(2 * time.Hour)}}
	r.Events = report.EventsSection{Items: []report.Event{
		{Object: "Backup/logstream", Type: "Normal", Reason: "RetryStarted", Message: "Started retry attempt 2/5", Count: 1, LastSeen: now.Add(-time.Minute), Retry: true},
		{Object: "Backup/logstream", Type: "Normal", Reason: "SuccessfulCreate", Message: "create job", Count: 2, LastSeen: now.Add(-9 * time.Minute)},
	}}
	one := int32(1)
	r.Workload = report.WorkloadSection{
		Jobs: []report.Job{{Name: "backup-logstream-log-start", Created: now.Add(-2 * time.Minute), Failed: 1, Conditions: []string{"Failed=True (BackoffLimitExceeded)"}}},
		Pods: []report.Pod{{Name: "backup-logstream-log-start-k8s2d", Phase: "Failed", Started: at(-2 * time.Minute), Containers: []report.Container{
			{Name: "br", Init: true, State: "terminated", Reason: "Completed", ExitCode: new(int32)},
			{Name: "backup", State: "terminated", Reason: "Error", ExitCode: &one},
		}}},
		Unowned: 1,
	}
	r.PodLog = report.PodLogSection{Pod: "backup-logstream-log-start-k8s2d", Container: "backup", Lines: []string{"Error: AccessDenied: Access Denied"}}
	r.Controller = report.ControllerSection{Selector: "app.kubernetes.io/component=controller-manager", Since: now.Add(-15 * time.Minute),
		Pods: []string{"tidb-admin/tidb-controller-manager-x"}, Scanned: 5000, Matched: 1, Lines: []string{"I1125 09:59:00.000000 299 x.go:1] Backup: [tidb/logstream] retrying"}}
	r.Metrics = sampleMetrics()
	r.Diagnosis = []report.Finding{
		{Severity: report.Critical, Summary: "Storage error in the log of pod backup-logstream-log-start-k8s2d: AccessDenied.", Next: "Check the storage credentials."},
		{Severity: report.Info, Summary: "Retry 2 of 5 is pending."},
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/render -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (rerun with -update if the change is intended)\n--- got ---\n%s", path, got)
	}
}

func TestInvestigationGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Investigation(&buf, sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "logstream.txt", buf.Bytes())
	if strings.Contains(buf.String(), "\x1b[") {
		t.Error("colour without being asked")
	}
}

func TestInvestigationSectionErrors(t *testing.T) {
	r := sample()
	r.Events = report.EventsSection{Items: []report.Event{}, Error: "forbidden: missing permission to list events"}
	r.Workload = report.WorkloadSection{Error: "forbidden: missing permission to list jobs"}
	r.PodLog = report.PodLogSection{Lines: []string{}, Error: "not read: the backup's pods could not be listed"}
	r.Controller.Error, r.Controller.Lines = "controller not found", nil
	var buf bytes.Buffer
	if err := Investigation(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"error: forbidden: missing permission to list events", "error: forbidden: missing permission to list jobs",
		"error: not read: the backup's pods", "error: controller not found", "Retry history"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestColour(t *testing.T) {
	var buf bytes.Buffer
	if err := Investigation(&buf, sample(), Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\x1b[31mCRITICAL") {
		t.Errorf("no red CRITICAL with colour on:\n%q", buf.String()[:200])
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if ColorEnabled(&buf, env(nil)) {
		t.Error("colour for a buffer (not a terminal)")
	}
	if ColorEnabled(os.Stdout, env(map[string]string{"NO_COLOR": "1"})) {
		t.Error("colour with NO_COLOR set")
	}
}

func TestEmptyEventsSayTheyExpire(t *testing.T) {
	r := sample()
	r.Events = report.EventsSection{Items: []report.Event{}, Note: "no events: they expire"}
	var buf bytes.Buffer
	if err := Investigation(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "no events: they expire") {
		t.Error(buf.String())
	}
}

// A pod may log escape sequences; they must reach the terminal inert.
func TestUntrustedTextIsInert(t *testing.T) {
	r := sample()
	r.PodLog.Lines = []string{"\x1b]0;pwned\x07\x1b[2Jgone"}
	r.Events.Items[0].Message = "\x1b[31mfake\x1b[0m"
	r.Diagnosis[0].Summary = "x \x1b[8m hidden"
	var buf bytes.Buffer
	if err := Investigation(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(buf.String(), 0x1b) || strings.ContainsRune(buf.String(), 0x07) {
		t.Errorf("raw control characters in the output:\n%q", buf.String())
	}
}

// hostileText holds one of every kind of character a terminal acts on:
// CSI and OSC sequences, BEL, a C1 CSI, a bidi override, a line
// separator, invalid UTF-8, and a newline.
const hostileText = "\x1b[2J\x1b]0;pwned\x07\x9b1A\u202e\u2028\xff\nend"

// fillStrings sets every string (and string slice element) reachable from
// v to s: whatever field a future section adds is covered too.
func fillStrings(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			fillStrings(v.Elem(), s)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fillStrings(v.Field(i), s)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			fillStrings(v.Index(i), s)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(s)
		}
	case reflect.Map:
		// Keys are drawn too (an error type from a metric's label).
		if v.Type().Key().Kind() == reflect.String && !v.IsNil() && v.Len() > 0 {
			val := v.MapIndex(v.MapKeys()[0])
			v.Clear()
			v.SetMapIndex(reflect.ValueOf(s).Convert(v.Type().Key()), val)
		}
	}
}

// Every string of the report, whatever field it is in, reaches the
// terminal inert: the view cannot forget one.
func TestEveryFieldIsDrawnSafely(t *testing.T) {
	r := sample()
	r.Backup.Backup.Invalid = []backup.FieldError{{Field: "f", Value: "v", Expected: "e"}}
	fillStrings(reflect.ValueOf(r), hostileText)
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		if err := Investigation(&buf, r, Options{Color: color}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if color {
			out = regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(out, "") // our own colours
		}
		for _, line := range strings.Split(out, "\n") {
			if text.Clean(line) != line {
				t.Fatalf("colour %v: a raw control character in %q", color, line)
			}
		}
		if !strings.Contains(out, `\x1b[2J`) {
			t.Errorf("the hostile text is not shown escaped:\n%s", out)
		}
	}
}

// A field longer than a screen is cut with a marker that says how much.
func TestLongFieldsAreCut(t *testing.T) {
	r := sample()
	r.Backup.Backup.Conditions[0].Message = "START " + strings.Repeat("m", 1<<20) + " END"
	var buf bytes.Buffer
	if err := Investigation(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 64<<10 || !strings.Contains(buf.String(), "bytes cut]") || !strings.Contains(buf.String(), " END") {
		t.Errorf("a 1 MiB message gave %d bytes of output", buf.Len())
	}
}
