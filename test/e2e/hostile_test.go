package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// The hostile-input suite: objects, logs and answers crafted by whoever
// controls something in the cluster, and flag values an unlucky user
// types. Each test here failed on the plugin before issue 8.

const hostileNS = "hostile"

// evil holds one of each class of character a terminal acts on: CSI
// (clear screen, cursor home), OSC (set the title) ended by BEL, a C1 CSI,
// DEL, a bidi override and isolate, a zero-width no-break space and a
// line separator.
const evil = "\x1b[2J\x1b[H\x1b]0;owned\x07\u009b1A\x7f\u202e\u2066\ufeff\u2028"

// evilBytes adds what only a log can carry: invalid UTF-8.
const evilBytes = evil + "\xff\xfe\xc0\xaf"

// assertTerminalSafe fails when any line holds a character that a
// terminal would act on.
func assertTerminalSafe(t *testing.T, out string) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if text.Clean(line) != line {
			t.Fatalf("line %d has a raw control, format or invalid character: %q", i+1, line)
		}
	}
}

// hostileBackup creates a v1 backup whose every printed field carries
// evil, with a Job, a Pod, events, a pod log and controller lines.
func hostileBackup(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	e := s.env
	at := func(d time.Duration) *time.Time { v := time.Now().Add(d).UTC().Truncate(time.Second); return &v }
	b, err := e.CreateBackup(ctx, fixtures.Backup{
		Group: backup.GroupV1, Namespace: hostileNS, Name: name, Mode: "log", LogSubcommand: "log-start" + evil, Phase: "Scheduled" + evil,
		Records: []backup.RetryRecord{
			{RetryNum: 1, DetectFailedAt: at(-10 * time.Minute), ExpectedRetryAt: at(50 * time.Minute), RetryReason: "Job " + evil + " has failed", OriginalReason: evil},
		},
		Conditions: []backup.Condition{
			{Type: "Scheduled" + evil, Status: "True" + evil, Reason: "Why" + evil, Message: "message " + evil, LastTransitionTime: at(-11 * time.Minute)},
			{Type: "Failed", Status: "True", Reason: "AlreadyFailed" + evil, Message: "exceed " + evil, LastTransitionTime: at(-9 * time.Minute)},
		},
		CheckpointTS: backup.TSOFromTime(time.Now().Add(-time.Hour)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(hostileNS).Delete(ctx, name, metav1.DeleteOptions{})
	})
	term := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error" + evil, Message: "exit " + evil, ExitCode: 1}}
	job, _, err := e.CreateWorkload(ctx, fixtures.Workload{Backup: b, Job: "backup-" + name, Pod: "backup-" + name + "-x1",
		PodPhase: corev1.PodFailed, Main: term, JobFailed: true, Created: *at(-10 * time.Minute),
		Log: []string{"first line", "[ERROR] " + evilBytes + " AccessDenied"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []fixtures.Event{
		{Object: b, Kind: "Backup", APIVer: b.GetAPIVersion(), Type: "Warning", Reason: "BackupFailed" + evil, Message: "backup " + evil, LastSeen: *at(-5 * time.Minute)},
		{Object: job, Kind: "Job", APIVer: "batch/v1", Type: "Warning", Reason: "BackoffLimitExceeded", Message: "job " + evil, LastSeen: *at(-4 * time.Minute)},
	} {
		if err := e.CreateEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	s.cluster.Kubelet.AppendLog(fixtures.ControllerNamespace, fixtures.ControllerPodV1, fixtures.ControllerContainer,
		cluster.LogLine{Time: time.Now(), Text: "I1125 10:00:00.000000     299 x.go:1] Backup: [" + hostileNS + "/" + name + "] " + evilBytes})
	return b
}

// Text from the cluster in every field investigate prints reaches the
// terminal inert; -o json and -o yaml hold it exactly and stay valid.
func TestHostileTextInEveryField(t *testing.T) {
	hostileBackup(t, "evil")
	r := plugin(t, "investigate", hostileNS+"/evil")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	assertTerminalSafe(t, r.stdout)
	mustContain(t, r.stdout, `\x1b[2J\x1b[H\x1b]0;owned\x07\x9b1A\x7f\u202e\u2066\ufeff\u2028`, `\xff\xfe\xc0\xaf AccessDenied`)
	// One of each kind of field, drawn escaped (a table cell, a line, a log).
	for _, field := range []string{"Scheduled", "True", "Why", "message ", "Job ", "Error", "BackupFailed", "job ", "log-start", "exceed "} {
		if !strings.Contains(r.stdout, field+`\x1b[2J`) {
			t.Errorf("field %q is not shown escaped", field)
		}
	}

	for _, format := range []string{"json", "yaml"} {
		r := plugin(t, "investigate", hostileNS+"/evil", "-o", format)
		if r.code != 0 {
			t.Fatalf("-o %s: exit %d: %s", format, r.code, r.stderr)
		}
		assertTerminalSafe(t, r.stdout)
		var rep report.Report
		data := []byte(r.stdout)
		if format == "yaml" {
			var err error
			if data, err = yaml.YAMLToJSON(data); err != nil {
				t.Fatalf("-o yaml is not YAML: %v", err)
			}
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatalf("-o %s does not decode: %v", format, err)
		}
		b := rep.Backup.Backup
		reasons := map[string]bool{}
		for _, e := range rep.Events.Items {
			reasons[e.Reason] = true
		}
		if b.Phase != "Scheduled"+evil || b.Records[0].OriginalReason != evil || !reasons["BackupFailed"+evil] {
			t.Errorf("-o %s changed the values: phase %q, reason %q", format, b.Phase, b.Records[0].OriginalReason)
		}
		if !strings.HasSuffix(rep.PodLog.Lines[1], " AccessDenied") || !strings.Contains(rep.PodLog.Lines[1], evil) {
			t.Errorf("-o %s: log line %q", format, rep.PodLog.Lines[1])
		}
	}
}

// The reset preview is printed just before the question: a crafted reason
// must not clear the screen and hide the warnings (checked on a real
// terminal, which would act on anything raw).
func TestHostileResetPreviewOnATerminal(t *testing.T) {
	name := "evil-reset"
	hostileBackup(t, name)
	term := startTerminal(t, "reset-retries", hostileNS+"/"+name)
	term.expect(prompt, 1)
	term.mu.Lock()
	raw := strings.ReplaceAll(term.out.String(), "\r\n", "\n")
	term.mu.Unlock()
	assertTerminalSafe(t, raw)
	mustContain(t, raw, "WARNING: The last failure looks unresolved", `Job \x1b[2J`)
	term.answer("n\n")
	if code, _ := term.wait(); code != 0 {
		t.Errorf("exit %d after no", code)
	}
}

// rawBackup writes a Backup with the given spec and status, as a writer
// that does not follow the operator's types would (the CRDs keep unknown
// fields, so the API server takes any shape).
func rawBackup(t *testing.T, group, name string, spec, status map[string]any) {
	t.Helper()
	ctx := context.Background()
	if err := s.env.EnsureNamespace(ctx, hostileNS); err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": group + "/v1alpha1", "kind": "Backup",
		"metadata": map[string]any{"name": name, "namespace": hostileNS}, "spec": spec,
	}}
	res := s.env.Dynamic.Resource(fixtures.GVR(group)).Namespace(hostileNS)
	if group == backup.GroupV1 {
		u.Object["status"] = status
		_, err := res.Create(ctx, u, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	} else {
		created, err := res.Create(ctx, u, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Object["status"] = status
		if _, err := res.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = res.Delete(ctx, name, metav1.DeleteOptions{}) })
}

// malformed is a status with one bad value of each kind, next to good ones.
func malformed() (spec, status map[string]any) {
	spec = map[string]any{"backupMode": "snapshot", "backoffRetryPolicy": map[string]any{"maxRetryTimes": int64(-1), "minRetryDuration": "banana", "retryTimeout": "2h"}}
	status = map[string]any{
		"phase": "Scheduled",
		"backoffRetryStatus": []any{
			// valid RFC 3339, not Go's exact layout: lower-case t and z
			map[string]any{"retryNum": int64(1), "detectFailedAt": "2026-11-25t08:00:00z", "expectedRetryAt": "2026-11-25 08:05:00.5+00:00", "realRetryAt": "2026-11-25T08:05:01Z", "retryReason": "Job backup-m has failed", "originalReason": "BackoffLimitExceeded"},
			// a number where a string goes, a string where a number goes
			map[string]any{"retryNum": "2", "detectFailedAt": "2026-11-25T08:10:00Z", "expectedRetryAt": int64(1764058500), "retryReason": int64(42), "originalReason": "BackoffLimitExceeded"},
		},
		"conditions": map[string]any{"type": "Failed"}, // an object where a list goes
	}
	return spec, status
}

// A field that cannot be decoded is reported as invalid; everything else
// is still shown, in both groups, and reset-retries still works.
func TestMalformedFieldsAreReportedNotFatal(t *testing.T) {
	for _, group := range []string{backup.GroupV1, backup.GroupV2} {
		t.Run(group, func(t *testing.T) {
			name := "malformed-" + map[string]string{backup.GroupV1: "v1", backup.GroupV2: "v2"}[group]
			spec, status := malformed()
			rawBackup(t, group, name, spec, status)
			r := plugin(t, "investigate", hostileNS+"/"+name)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			mustContain(t, r.stdout,
				"maxRetryTimes INVALID (2 assumed), minRetryDuration INVALID (5m0s assumed), retryTimeout 2h0m0s",
				"2026-11-25T08:00:00Z", "2026-11-25T08:05:00Z", // the lenient times, read
				"Fields that could not be read",
				"status.backoffRetryStatus[1].retryNum", "status.backoffRetryStatus[1].retryReason", "status.conditions",
				"spec.backoffRetryPolicy.minRetryDuration", `"banana"`,
				"The retry policy holds a value that cannot be read")
			mustNotContain(t, r.stdout, "(default)")

			rep := investigateJSON(t, hostileNS+"/"+name)
			if n := len(rep.Backup.Backup.Records); n != 2 || len(rep.Backup.Backup.Invalid) < 5 {
				t.Errorf("records %d, invalid %+v", n, rep.Backup.Backup.Invalid)
			}

			r = plugin(t, "reset-retries", hostileNS+"/"+name, "--yes", "-o", "yaml")
			if r.code != 0 {
				t.Fatalf("reset: exit %d: %s", r.code, r.stderr)
			}
			mustContain(t, r.stdout, "outcome: reset")
			if recs := storedIn(t, group, hostileNS, name); len(recs) != 0 {
				t.Errorf("records left: %v", recs)
			}
		})
	}
}

// A backoffRetryStatus that is not a list stops the operator itself
// (tidb-operator#5584): investigate says so, reset-retries removes it.
func TestMalformedRetryStatusCanBeRemoved(t *testing.T) {
	rawBackup(t, backup.GroupV2, "not-a-list", map[string]any{"backupMode": "snapshot"},
		map[string]any{"phase": "Running", "backoffRetryStatus": map[string]any{"retryNum": "one"}})
	r := plugin(t, "investigate", hostileNS+"/not-a-list")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "CRITICAL status.backoffRetryStatus is not a list", "reset-retries "+hostileNS+"/not-a-list")
	r = plugin(t, "reset-retries", hostileNS+"/not-a-list", "--yes")
	if r.code != 0 {
		t.Fatalf("reset: exit %d: %s\n%s", r.code, r.stderr, r.stdout)
	}
	mustContain(t, r.stdout, "Removed the malformed status.backoffRetryStatus")
	u := getBackupIn(t, backup.GroupV2, hostileNS, "not-a-list")
	if _, found, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "backoffRetryStatus"); found {
		t.Error("the malformed field is still there")
	}
}

// Every control character class in a message: -o yaml stays valid YAML
// with the same values, and a reset with -o yaml exits 0 once it is done.
func TestYAMLHoldsEveryControlCharacter(t *testing.T) {
	var all strings.Builder
	for r := rune(1); r < 0xa0; r++ {
		all.WriteRune(r)
	}
	msg := all.String() + "\ufffe\u202e\u2028"
	name := "yaml-controls"
	u := retryingIn(t, backup.GroupV1, hostileNS, name, 2)
	editStatusIn(t, backup.GroupV1, hostileNS, name, func(status map[string]any) {
		recs := status["backoffRetryStatus"].([]any)
		recs[1].(map[string]any)["retryReason"] = msg
		recs[1].(map[string]any)["originalReason"] = "yes" // a boolean to a YAML 1.1 reader
	})
	r := plugin(t, "investigate", hostileNS+"/"+name, "-o", "yaml")
	if r.code != 0 {
		t.Fatalf("investigate -o yaml: exit %d: %s", r.code, r.stderr)
	}
	assertTerminalSafe(t, r.stdout)
	data, err := yaml.YAMLToJSON([]byte(r.stdout))
	if err != nil {
		t.Fatalf("not YAML: %v", err)
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil || rep.Backup.Backup.Records[1].RetryReason != msg || rep.Backup.Backup.Records[1].OriginalReason != "yes" {
		t.Fatalf("the values changed: %v %q", err, rep.Backup.Backup.Records[1].RetryReason)
	}

	r = plugin(t, "reset-retries", hostileNS+"/"+name, "--yes", "-o", "yaml")
	if r.code != 0 {
		t.Fatalf("reset -o yaml: exit %d after the reset: %s", r.code, r.stderr)
	}
	if _, err := yaml.YAMLToJSON([]byte(r.stdout)); err != nil {
		t.Errorf("reset -o yaml is not YAML: %v", err)
	}
	if len(storedIn(t, backup.GroupV1, hostileNS, name)) != 0 || len(resetEvents(t, u)) != 1 {
		t.Error("not reset, or not audited")
	}
}

// Flag values an unlucky user types: a clear line each, never a panic or
// an out-of-memory crash.
func TestHugeAndNegativeFlagValues(t *testing.T) {
	cases := []badInput{
		{"huge tail", []string{"investigate", "tidb/nightly", "--tail", "9223372036854775807"}, `invalid --tail "9223372036854775807": must be a whole number from 1 to 10000`},
		{"huge controller tail", []string{"investigate", "tidb/nightly", "--controller-tail", "2147483647"}, `invalid --controller-tail "2147483647": must be a whole number from 0 to 10000`},
		{"negative controller tail", []string{"investigate", "tidb/nightly", "--controller-tail", "-1"}, `invalid --controller-tail "-1"`},
		{"huge limit", []string{"investigate", "tidb/nightly", "--limit-bytes", "9223372036854775807"}, `invalid --limit-bytes "9223372036854775807": must be a whole number from 1 to 1073741824`},
		{"huge since", []string{"investigate", "tidb/nightly", "--since", "2562047h"}, `invalid --since "2562047h": must be a duration from 0s to 8784h0m0s`},
		{"negative since", []string{"investigate", "tidb/nightly", "--since", "-5m"}, `invalid --since "-5m"`},
		{"negative checkpoint lag", []string{"investigate", "tidb/nightly", "--checkpoint-lag", "-1s"}, `invalid --checkpoint-lag "-1s"`},
		{"negative request timeout", []string{"investigate", "tidb/nightly", "--request-timeout", "-5s"}, `invalid --request-timeout "-5s": must be between 0 (none) and 24h0m0s`},
		{"huge request timeout", []string{"investigate", "tidb/nightly", "--request-timeout", "99999999999"}, `invalid --request-timeout "99999999999"`},
		{"huge selector", []string{"investigate", "tidb/nightly", "--controller-selector", strings.Repeat("a", 100000)}, "invalid --controller-selector: 100000 bytes is longer than 4096"},
	}
	checkBadInputs(t, cases)
	// The largest allowed values work and stay within memory.
	r := plugin(t, "investigate", "tidb/nightly", "--tail", "10000", "--controller-tail", "10000", "--limit-bytes", "1073741824", "--since", "8784h")
	if r.code != 0 {
		t.Fatalf("the largest values: exit %d: %s", r.code, r.stderr)
	}
}

// A 3 MB log line (br prints whole responses): its end, where the error
// is, is shown, with a marker saying how much was cut.
func TestThreeMegabyteLogLine(t *testing.T) {
	ctx := context.Background()
	name := "long-line"
	b, err := s.env.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV1, Namespace: hostileNS, Name: name, Phase: "Failed",
		Conditions: []backup.Condition{{Type: "Failed", Status: "True", Reason: "BackupDataToRemoteFailed"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(hostileNS).Delete(ctx, name, metav1.DeleteOptions{})
	})
	long := "[ERROR] [backup.go:1] [\"failed to backup\"] [response=" + strings.Repeat("x", 3<<20) + "] [error=\"NoSuchBucket: The specified bucket does not exist\"]"
	term := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}
	if _, _, err := s.env.CreateWorkload(ctx, fixtures.Workload{Backup: b, Job: "backup-" + name, Pod: "backup-" + name + "-q", PodPhase: corev1.PodFailed,
		Main: term, JobFailed: true, Created: time.Now().Add(-time.Minute), Log: []string{"start", long}}); err != nil {
		t.Fatal(err)
	}
	r := plugin(t, "investigate", hostileNS+"/"+name)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "bytes cut]", `NoSuchBucket: The specified bucket does not exist"]`,
		"Storage error in the log of pod backup-long-line-q: NoSuchBucket")
	if len(r.stdout) > 64<<10 {
		t.Errorf("the report is %d bytes: the line was not cut", len(r.stdout))
	}
}

// A password in --server is never echoed, on any error path.
func TestPasswordInServerIsNotPrinted(t *testing.T) {
	for _, server := range []string{"https://admin:hunter2@127.0.0.1:1", "https://admin:hunter2@" + strings.TrimPrefix(s.cluster.Server, "https://")} {
		r := plugin(t, "investigate", "tidb/nightly", "--server", server, "--insecure-skip-tls-verify", "--request-timeout", "3s")
		if r.code == 0 {
			t.Errorf("%s: exit 0", server)
		}
		if strings.Contains(r.stdout+r.stderr, "hunter2") {
			t.Errorf("the password is printed:\n%s%s", r.stdout, r.stderr)
		}
	}
}

// editStatusIn changes a backup's status as the controller writes it: v1
// updates the whole object, v2 the status subresource.
func editStatusIn(t *testing.T, group, ns, name string, edit func(status map[string]any)) {
	t.Helper()
	ctx := context.Background()
	res := s.env.Dynamic.Resource(fixtures.GVR(group)).Namespace(ns)
	u, err := res.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	status, _, _ := unstructured.NestedMap(u.Object, "status")
	edit(status)
	if err := unstructured.SetNestedMap(u.Object, status, "status"); err != nil {
		t.Fatal(err)
	}
	if group == backup.GroupV2 {
		_, err = res.UpdateStatus(ctx, u, metav1.UpdateOptions{})
	} else {
		_, err = res.Update(ctx, u, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Without a terminal and without --yes, a backup with nothing to reset
// still gets its answer: there is no question to ask.
func TestNothingToResetNeedsNoTerminal(t *testing.T) {
	retryingIn(t, backup.GroupV2, hostileNS, "no-records", 0)
	r := plugin(t, "reset-retries", hostileNS+"/no-records") // stdin is not a terminal
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "Nothing to reset: "+hostileNS+"/no-records has no retry records")
}

// A null inside backoffRetryStatus makes the API server's JSON-patch test
// fail with an internal error; the reset guards such records by the
// resourceVersion instead, and works.
func TestResetOfRecordsHoldingANull(t *testing.T) {
	for _, group := range []string{backup.GroupV1, backup.GroupV2} {
		name := "null-record-" + map[string]string{backup.GroupV1: "v1", backup.GroupV2: "v2"}[group]
		rawBackup(t, group, name, map[string]any{"backupMode": "snapshot"}, map[string]any{"phase": "Scheduled",
			"backoffRetryStatus": []any{map[string]any{"retryNum": int64(1), "detectFailedAt": "2026-11-25T08:00:00Z", "retryReason": "Job backup-x has failed"}, nil}})
		r := plugin(t, "reset-retries", hostileNS+"/"+name, "--yes")
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", group, r.code, r.stdout, r.stderr)
		}
		if recs := storedIn(t, group, hostileNS, name); len(recs) != 0 {
			t.Errorf("%s: records left: %v", group, recs)
		}
	}
}

// Credentials that a pod logs, or that a message carries, are not printed
// in any output.
func TestCredentialsInClusterTextAreRedacted(t *testing.T) {
	ctx := context.Background()
	name := "leaky"
	b, err := s.env.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV1, Namespace: hostileNS, Name: name, Phase: "Failed",
		Conditions: []backup.Condition{{Type: "Failed", Status: "True", Reason: "BackupDataToRemoteFailed",
			Message: `PUT "https://backup:hunter2@s3.example.com/b?X-Amz-Signature=SIGSECRET" failed`}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(hostileNS).Delete(ctx, name, metav1.DeleteOptions{})
	})
	term := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}
	if _, _, err := s.env.CreateWorkload(ctx, fixtures.Workload{Backup: b, Job: "backup-" + name, Pod: "backup-" + name + "-p", PodPhase: corev1.PodFailed,
		Main: term, JobFailed: true, Created: time.Now().Add(-time.Minute),
		Log: []string{"curl -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789' https://backup:hunter2@s3.example.com/"}}); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"", "json", "yaml"} {
		args := []string{"investigate", hostileNS + "/" + name}
		if format != "" {
			args = append(args, "-o", format)
		}
		r := plugin(t, args...)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		mustNotContain(t, r.stdout, "hunter2", "SIGSECRET", "abcdefghijklmnopqrstuvwxyz0123456789")
		mustContain(t, r.stdout, "s3.example.com")
	}
}
