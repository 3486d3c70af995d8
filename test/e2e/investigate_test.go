package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q\n--- output ---\n%s", w, out)
		}
	}
}

func mustNotContain(t *testing.T, out string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(out, b) {
			t.Errorf("output has %q, which it must not\n--- output ---\n%s", b, out)
		}
	}
}

func investigateJSON(t *testing.T, args ...string) *report.Report {
	t.Helper()
	r := plugin(t, append([]string{"investigate", "-o", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("output is not the documented JSON: %v\n%s", err, r.stdout)
	}
	return &rep
}

// The v1 snapshot backup whose retries ran out because its pod was OOMKilled.
func TestInvestigateExhaustedV1(t *testing.T) {
	r := plugin(t, "investigate", "tidb/nightly")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	mustContain(t, r.stdout,
		"Backup tidb/nightly (pingcap.com/v1alpha1, no status subresource)",
		"maxRetryTimes 2 (default), minRetryDuration 5m0s (default), retryTimeout 30m0s (default)",
		"3 of 2 allowed, exhausted by count",
		"CRITICAL Retries exhausted",
		"OOMKilled (memory limit 512Mi)", "to 1Gi",
		"backup-nightly-7xq2m", "backup-nightly ",
		// v1's AlreadyFailed message, in the phase and in the controller log.
		"Failed (AlreadyFailed: exceed retry times, max is 2, failed reason Job backup-nightly has failed, original reason BackoffLimitExceeded)",
		"3 of ", // controller: three lines about tidb/nightly
		"(4 objects with the label left out",
	)
	// Decoys: an event of a Pod named "nightly", lines about
	// tidb/nightly-other, a line from before the retry window, a Job with
	// the label but another owner.
	mustNotContain(t, r.stdout, "DECOY", "EARLY", "backup-nightly-stale", "Pending retry")
}

func TestInvestigateJSONMatchesText(t *testing.T) {
	s.cluster.Kubelet.ResetRequests()
	rep := investigateJSON(t, "tidb/nightly")
	if rep.Kind != report.Kind || rep.APIVersion != output.APIVersion {
		t.Errorf("kind/apiVersion = %s %s", rep.Kind, rep.APIVersion)
	}
	b := rep.Backup.Backup
	if b == nil || b.Group != "pingcap.com" || len(b.Records) != 3 || rep.Backup.Retry.ExhaustedBy != "count" {
		t.Fatalf("backup section wrong: %+v", rep.Backup)
	}
	if rep.Backup.StatusSubresource {
		t.Error("v1 reported a status subresource")
	}
	if n := len(rep.Events.Items); n != 4 {
		t.Errorf("want the backup's 3 events and its job's 1 (matched by uid), got %d: %+v", n, rep.Events.Items)
	}
	for i, e := range rep.Events.Items {
		if e.Object != "Backup/nightly" && e.Object != "Job/backup-nightly" {
			t.Errorf("event of another object: %+v", e)
		}
		if i > 0 && e.LastSeen.After(rep.Events.Items[i-1].LastSeen) {
			t.Errorf("events not newest first at %d", i)
		}
	}
	if len(rep.Workload.Jobs) != 1 || len(rep.Workload.Pods) != 1 || rep.Workload.Unowned != 4 {
		t.Errorf("workload: %d jobs, %d pods, %d unowned", len(rep.Workload.Jobs), len(rep.Workload.Pods), rep.Workload.Unowned)
	}
	c := rep.Controller
	if c.Matched != 3 || len(c.Lines) != 3 || c.Error != "" || len(c.Pods) != 1 {
		t.Errorf("controller: matched %d, lines %d, error %q, pods %v", c.Matched, len(c.Lines), c.Error, c.Pods)
	}
	if rep.PodLog.Pod != "backup-nightly-7xq2m" || rep.PodLog.Container != "backup" || len(rep.PodLog.Lines) != 3 {
		t.Errorf("pod log: %+v", rep.PodLog)
	}
	if len(rep.Diagnosis) < 2 || rep.Diagnosis[0].Severity != report.Critical {
		t.Errorf("diagnosis: %+v", rep.Diagnosis)
	}
	// The controller log was read from a little before the first failure,
	// bounded in bytes, not whole.
	var sawSince bool
	for _, u := range s.cluster.Kubelet.Requests() {
		if strings.Contains(u, fixtures.ControllerPodV1) {
			sawSince = strings.Contains(u, "sinceTime=") && strings.Contains(u, "limitBytes=")
		}
	}
	if !sawSince {
		t.Errorf("controller log not read with sinceTime and limitBytes: %v", s.cluster.Kubelet.Requests())
	}
}

func TestInvestigateYAML(t *testing.T) {
	r := plugin(t, "investigate", "tidb/logstream", "-o", "yaml")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "kind: Investigation", "retryTimeout: 2h0m0s", "atLimit: false", "logCheckpointTs")
}

// The v1 log backup (retry feature): a retry pending, storage credentials
// wrong, checkpoint two hours behind.
func TestInvestigateLogBackupPending(t *testing.T) {
	r := plugin(t, "investigate", "logstream", "-n", "tidb")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout,
		"Mode:          log, log-start",
		"maxRetryTimes 5, minRetryDuration 30m0s, retryTimeout 2h0m0s",
		"2 of 5 allowed",
		"Pending retry: #2 due",
		"Storage error in the log of pod backup-logstream-log-start-k8s2d: AccessDenied",
		"checkpoint is",
		"Retry 2 of 5 is pending",
		"RetryStarted", "Started retry attempt 2/5 for log backup due to Job backup-logstream-log-start has failed. Next retry in 1h0m0s",
	)
	// BackupFailed marks a terminal failure: a backup still retrying has none.
	mustNotContain(t, r.stdout, "BackupFailed")
	// Retry-story events are marked.
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "RetryStarted") && !strings.HasPrefix(strings.TrimSpace(line), "*") {
			t.Errorf("RetryStarted not marked: %q", line)
		}
	}
}

// Operator v2: the group is found by discovery, zap log lines are matched
// by their fields, and the new pod cannot pull its image.
func TestInvestigateV2(t *testing.T) {
	rep := investigateJSON(t, "tidb-v2/daily")
	if rep.Backup.Backup.Group != "br.pingcap.com" || !rep.Backup.StatusSubresource {
		t.Fatalf("group %s, status subresource %v", rep.Backup.Backup.Group, rep.Backup.StatusSubresource)
	}
	if rep.Controller.Matched != 2 {
		t.Errorf("want the 2 zap lines about tidb-v2/daily, got %d: %v", rep.Controller.Matched, rep.Controller.Lines)
	}
	for _, l := range rep.Controller.Lines {
		if strings.Contains(l, "DECOY") {
			t.Errorf("decoy line kept: %s", l)
		}
	}
	if len(rep.Diagnosis) == 0 || !strings.Contains(rep.Diagnosis[0].Summary, "ImagePullBackOff") {
		t.Errorf("diagnosis: %+v", rep.Diagnosis)
	}
	if rep.Events.Note == "" || len(rep.Events.Items) != 0 {
		t.Errorf("v2 records no events: want the expiry note, got %+v", rep.Events)
	}
}

func TestInvestigateLogBackupNotCovered(t *testing.T) {
	r := plugin(t, "investigate", "tidb-v2/pitr")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "no retry records: the retry policy does not cover this failure", "StartLogBackupFailed",
		"events for about an hour")
}

func TestInvestigateAPIGroupChoosesAmongTwo(t *testing.T) {
	r := plugin(t, "investigate", "shared/both")
	if r.code == 0 || !strings.Contains(r.stderr, "exists in both pingcap.com and br.pingcap.com") || !strings.Contains(r.stderr, "--api-group") {
		t.Fatalf("want an ambiguity error, got exit %d: %s", r.code, r.stderr)
	}
	rep := investigateJSON(t, "shared/both", "--api-group", "br.pingcap.com")
	if rep.Backup.Backup.Group != "br.pingcap.com" {
		t.Errorf("--api-group ignored: %s", rep.Backup.Backup.Group)
	}
}

// A controller log larger than --limit-bytes since the window opened: the
// newest lines (the exhaustion) must be the ones read.
func TestControllerLogKeepsTheNewestWhenTruncated(t *testing.T) {
	// The window (55 minutes, ~770 lines of ~135 bytes) holds about 100 kB;
	// 60 kB read from its end reach back about 28 minutes.
	rep := investigateJSON(t, "tidb/nightly", "--limit-bytes", "60000")
	c := rep.Controller
	if !c.Truncated {
		t.Errorf("a 60 kB limit on a 100 kB window was not reported")
	}
	if len(c.Lines) != 1 || !strings.Contains(c.Lines[0], "exceed retry times, max is 2, failed reason Job backup-nightly has failed, original reason BackoffLimitExceeded") {
		t.Errorf("want only the newest line about the backup (-20m), not the oldest (-50m, -45m): %q", c.Lines)
	}
}

// Two controller pods (an old and a new leader): lines of both, merged in
// time order.
func TestControllerLinesOfTwoPodsMergeInTimeOrder(t *testing.T) {
	ctx := context.Background()
	e := s.env
	const ns, pod = "tidb-admin-b", "tidb-controller-manager-second"
	if err := e.EnsureNamespace(ctx, ns); err != nil {
		t.Fatal(err)
	}
	mentions := []fixtures.Mention{
		{At: e.Now.Add(-42 * time.Minute), Namespace: fixtures.NSv1, Name: fixtures.Nightly, Text: "SECOND: between the first pod's lines"},
		{At: e.Now.Add(-time.Minute), Namespace: fixtures.NSv1, Name: fixtures.Nightly, Text: "SECOND: newest of all"},
	}
	if err := e.CreateControllerPodIn(ctx, ns, pod, fixtures.ControllerImageV1, fixtures.ControllerLabelsV1(), fixtures.KlogLog(e.Now.Add(-time.Hour), e.Now, 100, mentions)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		zero := int64(0)
		_ = e.Kube.CoreV1().Pods(ns).Delete(ctx, pod, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})
	rep := investigateJSON(t, "tidb/nightly")
	c := rep.Controller
	if len(c.Pods) != 2 || c.Matched != 5 {
		t.Fatalf("pods %v, matched %d (want 2 pods, 5 lines)", c.Pods, c.Matched)
	}
	var order []string
	for _, l := range c.Lines {
		switch {
		case strings.Contains(l, "SECOND: between"):
			order = append(order, "second-between")
		case strings.Contains(l, "SECOND: newest"):
			order = append(order, "second-newest")
		case strings.Contains(l, "exceed retry times"):
			order = append(order, "first-exhausted")
		}
	}
	if strings.Join(order, ",") != "second-between,first-exhausted,second-newest" {
		t.Errorf("lines not in time order: %v\n%s", order, strings.Join(c.Lines, "\n"))
	}
}
