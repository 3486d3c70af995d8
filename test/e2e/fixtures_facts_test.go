package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// The seeded v1 snapshot backup between a failure and its retry: the phase
// is still Scheduled, only the records say that a retry is coming. Every
// view must read "retrying" from the records.
func TestInvestigateWaitingV1(t *testing.T) {
	r := plugin(t, "investigate", "tidb/waiting")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	mustContain(t, r.stdout,
		"Backup tidb/waiting (pingcap.com/v1alpha1, no status subresource)",
		"Phase:         Scheduled",
		"maxRetryTimes 2 (default), minRetryDuration 1h0m0s, retryTimeout 2h0m0s",
		"1 of 2 allowed",
		"Pending retry: #1 due",
		"Retry 1 of 2 is pending",
		"container br of pod backup-waiting-5kq8d exited with code 1",
		"No space left on device",
	)
	mustNotContain(t, r.stdout, "No problem found", "overdue", "exhausted")
	checkWaitingJSON(t, "tidb/waiting")
}

// The same backup whose failed Pod is gone (deleted with its node): no
// container tells of trouble, the phase is Scheduled, and the records are
// the only sign that the backup is retrying.
func TestInvestigateWaitingWithoutPod(t *testing.T) {
	ctx := context.Background()
	const ns, name = "facts-waiting", "waiting-no-pod"
	u, err := s.env.SeedWaitingV1(ctx, ns, name, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// No garbage collector runs here: delete the Job too.
		bg := metav1.DeletePropagationBackground
		_ = s.env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(ns).Delete(ctx, u.GetName(), metav1.DeleteOptions{})
		_ = s.env.Kube.BatchV1().Jobs(ns).Delete(ctx, "backup-"+name, metav1.DeleteOptions{PropagationPolicy: &bg})
	})
	r := plugin(t, "investigate", ns+"/"+name)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "Phase:         Scheduled", "Pending retry: #1 due", "Retry 1 of 2 is pending")
	mustNotContain(t, r.stdout, "No problem found")
	checkWaitingJSON(t, ns+"/"+name)
}

// checkWaitingJSON reads -o json as plain JSON, so that it holds whatever
// else the report carries: backup.retry.pending is the record, and no
// finding calls the backup healthy.
func checkWaitingJSON(t *testing.T, target string) {
	t.Helper()
	r := plugin(t, "investigate", target, "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep struct {
		Backup struct {
			Retry map[string]any `json:"retry"`
		} `json:"backup"`
		Diagnosis []struct {
			Severity string `json:"severity"`
			Summary  string `json:"summary"`
		} `json:"diagnosis"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	pending, _ := rep.Backup.Retry["pending"].(map[string]any)
	if pending == nil || pending["retryNum"] != float64(1) || pending["realRetryAt"] != nil || pending["expectedRetryAt"] == nil {
		t.Errorf("backup.retry.pending = %v, want retry 1 with an expectedRetryAt and no realRetryAt", rep.Backup.Retry["pending"])
	}
	if v, ok := rep.Backup.Retry["retrying"]; ok && v != true {
		t.Errorf("backup.retry.retrying = %v", v)
	}
	if rep.Backup.Retry["pendingOverdue"] == true {
		t.Error("the retry is reported overdue")
	}
	var summaries []string
	for _, f := range rep.Diagnosis {
		summaries = append(summaries, f.Severity+" "+f.Summary)
	}
	all := strings.Join(summaries, "\n")
	if strings.Contains(all, "No problem found") || !strings.Contains(all, "Retry 1 of 2 is pending") {
		t.Errorf("diagnosis must say that retry 1 is pending and must not call the backup healthy:\n%s", all)
	}
}

// The seeded objects, read back as stored, against docs/operator-facts.md
// (sections 3 to 7). This checks the fixtures, not the plugin.
func TestFixturesFollowOperatorFacts(t *testing.T) {
	ctx := context.Background()
	get := func(t *testing.T, group, ns, name string) *unstructured.Unstructured {
		t.Helper()
		u, err := s.env.Dynamic.Resource(fixtures.GVR(group)).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	// Every record: retryNum in order, expectedRetryAt = detectFailedAt +
	// minRetryDuration * 2^(retryNum-1), realRetryAt only on records
	// whose retry ran (all but the last one).
	for _, c := range []struct{ group, ns, name string }{
		{backup.GroupV1, fixtures.NSv1, fixtures.Nightly},
		{backup.GroupV1, fixtures.NSv1, fixtures.Waiting},
		{backup.GroupV1, fixtures.NSv1, fixtures.LogStream},
		{backup.GroupV2, fixtures.NSv2, fixtures.Daily},
	} {
		t.Run("records of "+c.name, func(t *testing.T) {
			u := get(t, c.group, c.ns, c.name)
			minRetry := policyDuration(t, u, "minRetryDuration", 300*time.Second)
			recs := records(t, u)
			for i, r := range recs {
				if r.RetryNum != i+1 {
					t.Errorf("record %d has retryNum %d", i, r.RetryNum)
				}
				if want := r.DetectFailedAt.Add(minRetry << (r.RetryNum - 1)); r.ExpectedRetryAt == nil || !r.ExpectedRetryAt.Equal(want) {
					t.Errorf("record %d: expectedRetryAt %v, want %v", r.RetryNum, r.ExpectedRetryAt, want)
				}
				// daily's one retry has run; the others wait or ended.
				ran := i < len(recs)-1 || c.name == fixtures.Daily
				if (r.RealRetryAt != nil) != ran {
					t.Errorf("record %d: realRetryAt %v", r.RetryNum, r.RealRetryAt)
				}
			}
		})
	}

	t.Run("v1 exhausted by count", func(t *testing.T) {
		u := get(t, backup.GroupV1, fixtures.NSv1, fixtures.Nightly)
		recs := records(t, u)
		maxRetries := 2 // the default
		if phase(u) != "Failed" || len(recs) != maxRetries+1 {
			t.Fatalf("phase %s with %d records; v1 ends with maxRetryTimes+1", phase(u), len(recs))
		}
		last := recs[len(recs)-1]
		checkV1Reasons(t, fixtures.NSv1, fixtures.Nightly, "backup-nightly", recs)
		conds := conditions(t, u)
		oneConditionPerType(t, conds)
		want := fmt.Sprintf("exceed retry times, max is %d, failed reason %s, original reason %s", maxRetries, last.RetryReason, last.OriginalReason)
		if f := conds["Failed"]; f.Reason != "AlreadyFailed" || f.Message != want {
			t.Errorf("Failed condition %+v, want AlreadyFailed %q", f, want)
		}
		// RetryFailed and Restart are written when a retry runs, from its record.
		rf, rs := conds["RetryFailed"], conds["Restart"]
		if rs.Reason != "" || rs.Message != "" {
			t.Errorf("v1 writes Restart without a reason: %+v", rs)
		}
		for what, c := range map[string]condition{"RetryFailed": rf, "Restart": rs} {
			if ranBy(recs, c.LastTransitionTime) == nil {
				t.Errorf("%s at %v: not the time a retry ran", what, c.LastTransitionTime)
			}
		}
		if r := ranBy(recs, rf.LastTransitionTime); r == nil || rf.Reason != "RetryFailedBackup" || rf.Message != "reason "+r.RetryReason+", original reason "+r.OriginalReason {
			t.Errorf("RetryFailed condition %+v", rf)
		}
	})

	t.Run("v1 waiting for a retry", func(t *testing.T) {
		u := get(t, backup.GroupV1, fixtures.NSv1, fixtures.Waiting)
		recs := records(t, u)
		if p := phase(u); p != "Scheduled" && p != "Running" {
			t.Errorf("phase %s: v1 leaves the phase alone while a retry waits", p)
		}
		conds := conditions(t, u)
		if _, ok := conds["RetryFailed"]; ok {
			t.Error("v1 writes RetryFailed only when the retry runs")
		}
		checkV1Reasons(t, fixtures.NSv1, fixtures.Waiting, "backup-waiting", recs)
		last := recs[len(recs)-1]
		// Fixture times are whole seconds.
		if last.RealRetryAt != nil || last.ExpectedRetryAt.Before(s.env.Now.Truncate(time.Second).Add(59*time.Minute)) {
			t.Errorf("last record %+v: want no realRetryAt and a retry due at least 59 minutes after seeding", last)
		}
		if p := policyDuration(t, u, "retryTimeout", 30*time.Minute); recs[0].DetectFailedAt.Add(p).Before(*last.ExpectedRetryAt) {
			t.Errorf("the retry timeout (%s) closes before the retry is due", p)
		}
	})

	t.Run("v1 log backup retry feature", func(t *testing.T) {
		u := get(t, backup.GroupV1, fixtures.NSv1, fixtures.LogStream)
		recs := records(t, u)
		checkV1Reasons(t, fixtures.NSv1, fixtures.LogStream, "backup-logstream-log-start", recs)
		maxRetries := policyInt(t, u, "maxRetryTimes", 2)
		minRetry := policyDuration(t, u, "minRetryDuration", 300*time.Second)
		n := len(recs)
		rf := conditions(t, u)["RetryFailed"]
		want := fmt.Sprintf("Retrying log backup (attempt %d/%d) after %s", n, maxRetries, minRetry<<(n-1))
		if phase(u) != "RetryFailed" || rf.Reason != "RetryingLogBackup" || rf.Message != want {
			t.Errorf("phase %s, RetryFailed condition %+v; want RetryingLogBackup %q", phase(u), rf, want)
		}
		evs := backupEvents(t, u)
		var started int
		for _, e := range evs {
			switch e.Reason {
			case "RetryStarted":
				started++
				if !strings.Contains(e.Message, "for log backup due to "+recs[0].RetryReason+". Next retry in ") {
					t.Errorf("RetryStarted message %q", e.Message)
				}
			case "BackupFailed", "RetryExhausted":
				t.Errorf("%s event on a backup that is still retrying: %s", e.Reason, e.Message)
			}
		}
		if started != n {
			t.Errorf("%d RetryStarted events for %d records", started, n)
		}
	})

	t.Run("v2 after a retry", func(t *testing.T) {
		u := get(t, backup.GroupV2, fixtures.NSv2, fixtures.Daily)
		recs := records(t, u)
		for _, r := range recs {
			if r.RetryReason != "Job tidb-v2/backup-daily has failed" || r.OriginalReason != "BackoffLimitExceeded" {
				t.Errorf("record %d: %q / %q", r.RetryNum, r.RetryReason, r.OriginalReason)
			}
		}
		last := recs[len(recs)-1]
		if p := phase(u); p != "Scheduled" && p != "Running" {
			t.Errorf("phase %s after the retry ran", p)
		}
		conds := conditions(t, u)
		rs, rf := conds["Restart"], conds["RetryFailed"]
		if last.RealRetryAt == nil || rs.Reason != "RetryTriggered" || rs.Message != "retry triggered at "+last.RealRetryAt.UTC().Format(time.RFC3339) {
			t.Errorf("Restart condition %+v, last record %+v", rs, last)
		}
		if rf.Reason != "RetryFailedBackup" || rf.Message != "reason "+last.RetryReason+", original reason "+last.OriginalReason ||
			rf.LastTransitionTime == nil || rs.LastTransitionTime == nil || !rf.LastTransitionTime.Before(*rs.LastTransitionTime) {
			t.Errorf("RetryFailed condition %+v must be older than Restart %+v", rf, rs)
		}
		for _, c := range conds {
			if c.Reason == "" || strings.Contains(c.Reason, " ") {
				t.Errorf("v2 condition %s: reason %q is not an identifier", c.Type, c.Reason)
			}
		}
		if evs := backupEvents(t, u); len(evs) != 0 {
			t.Errorf("v2 records no events for Backups, found %d", len(evs))
		}
	})

	t.Run("controller pods", func(t *testing.T) {
		for name, want := range map[string]struct {
			image  string
			labels map[string]string
		}{
			fixtures.ControllerPodV1: {"pingcap/tidb-operator:v1.", map[string]string{"app.kubernetes.io/name": "tidb-operator", "app.kubernetes.io/component": "controller-manager", "app.kubernetes.io/instance": "tidb-operator"}},
			fixtures.ControllerPodV2: {"pingcap/tidb-operator:v2.", map[string]string{"app.kubernetes.io/component": "tidb-operator"}},
		} {
			p, err := s.env.Kube.CoreV1().Pods(fixtures.ControllerNamespace).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(p.Labels, want.labels) || !strings.HasPrefix(p.Spec.Containers[0].Image, want.image) {
				t.Errorf("%s: labels %v, image %s", name, p.Labels, p.Spec.Containers[0].Image)
			}
		}
	})
}

// checkV1Reasons: "Job JOB has failed" (no namespace) and the reason of
// the Job's Failed condition, recorded within a resync (30 s) of it.
func checkV1Reasons(t *testing.T, ns, name, job string, recs []backup.RetryRecord) {
	t.Helper()
	j, err := s.env.Kube.BatchV1().Jobs(ns).Get(context.Background(), job, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var reason string
	var at time.Time
	for _, c := range j.Status.Conditions {
		if c.Type == "Failed" && c.Status == "True" {
			reason, at = c.Reason, c.LastTransitionTime.Time
		}
	}
	for _, r := range recs {
		if r.RetryReason != "Job "+job+" has failed" || r.OriginalReason != reason {
			t.Errorf("%s record %d: %q / %q, want %q / the Job's Failed reason %q", name, r.RetryNum, r.RetryReason, r.OriginalReason, "Job "+job+" has failed", reason)
		}
	}
	last := recs[len(recs)-1]
	if d := last.DetectFailedAt.Sub(at); d < 0 || d > 30*time.Second {
		t.Errorf("%s: the Job failed at %s, the failure was recorded at %s", name, at, last.DetectFailedAt)
	}
}

func phase(u *unstructured.Unstructured) string {
	p, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	return p
}

// records decodes status.backoffRetryStatus.
func records(t *testing.T, u *unstructured.Unstructured) []backup.RetryRecord {
	t.Helper()
	raw, _, _ := unstructured.NestedSlice(u.Object, "status", "backoffRetryStatus")
	var out []backup.RetryRecord
	for _, x := range raw {
		m, _ := x.(map[string]any)
		n, _, _ := unstructured.NestedInt64(m, "retryNum")
		r := backup.RetryRecord{RetryNum: int(n), RetryReason: str(m, "retryReason"), OriginalReason: str(m, "originalReason"),
			DetectFailedAt: stamp(t, m, "detectFailedAt"), ExpectedRetryAt: stamp(t, m, "expectedRetryAt"), RealRetryAt: stamp(t, m, "realRetryAt")}
		out = append(out, r)
	}
	if len(out) == 0 {
		t.Fatalf("%s has no records", u.GetName())
	}
	return out
}

type condition struct {
	Type, Reason, Message string
	LastTransitionTime    *time.Time
}

// conditions by type; oneConditionPerType checks there is one of each.
func conditions(t *testing.T, u *unstructured.Unstructured) map[string]condition {
	t.Helper()
	raw, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	out := map[string]condition{}
	for _, x := range raw {
		m, _ := x.(map[string]any)
		c := condition{Type: str(m, "type"), Reason: str(m, "reason"), Message: str(m, "message"), LastTransitionTime: stamp(t, m, "lastTransitionTime")}
		if _, dup := out[c.Type]; dup {
			c.Type += " (again)"
		}
		out[c.Type] = c
	}
	return out
}

func oneConditionPerType(t *testing.T, conds map[string]condition) {
	t.Helper()
	for k := range conds {
		if strings.HasSuffix(k, " (again)") {
			t.Errorf("v1 keeps one condition per type; %s", k)
		}
	}
}

// ranBy is the record whose retry ran at at, or nil.
func ranBy(recs []backup.RetryRecord, at *time.Time) *backup.RetryRecord {
	for i, r := range recs {
		if at != nil && r.RealRetryAt != nil && r.RealRetryAt.Equal(*at) {
			return &recs[i]
		}
	}
	return nil
}

func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

func stamp(t *testing.T, m map[string]any, k string) *time.Time {
	t.Helper()
	v, ok := m[k].(string)
	if !ok || v == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatalf("%s %q: %v", k, v, err)
	}
	return &at
}

func policyDuration(t *testing.T, u *unstructured.Unstructured, field string, dflt time.Duration) time.Duration {
	t.Helper()
	v, ok, _ := unstructured.NestedString(u.Object, "spec", "backoffRetryPolicy", field)
	if !ok {
		return dflt
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func policyInt(t *testing.T, u *unstructured.Unstructured, field string, dflt int) int {
	t.Helper()
	v, ok, _ := unstructured.NestedInt64(u.Object, "spec", "backoffRetryPolicy", field)
	if !ok {
		return dflt
	}
	return int(v)
}

// backupEvents are the events whose involved object is the backup (by UID).
func backupEvents(t *testing.T, u *unstructured.Unstructured) []eventInfo {
	t.Helper()
	sel := fields.OneTermEqualSelector("involvedObject.uid", string(u.GetUID())).String()
	list, err := s.env.Kube.CoreV1().Events(u.GetNamespace()).List(context.Background(), metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	var out []eventInfo
	for _, e := range list.Items {
		out = append(out, eventInfo{Reason: e.Reason, Message: e.Message})
	}
	return out
}

type eventInfo struct{ Reason, Message string }
