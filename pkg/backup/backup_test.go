package backup

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestParseRef(t *testing.T) {
	good := map[string]Ref{
		"tidb/nightly":                   {"tidb", "nightly"},
		"nightly":                        {"ctx-ns", "nightly"},
		"a/b.c-d":                        {"a", "b.c-d"},
		"ns/" + strings.Repeat("a", 253): {"ns", strings.Repeat("a", 253)},
	}
	for in, want := range good {
		got, err := ParseRef(in, "ctx-ns")
		if err != nil || got != want {
			t.Errorf("ParseRef(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"a/b/c":                          "one slash",
		"/b":                             "non-empty",
		"a/":                             "non-empty",
		"":                               "empty",
		"A/b":                            "invalid namespace",
		"a/B":                            "invalid backup name",
		"a/b_c":                          "invalid backup name",
		"a.b/c":                          "invalid namespace",
		"a/-b":                           "invalid backup name",
		"ns/" + strings.Repeat("a", 254): "invalid backup name",
	}
	for in, want := range bad {
		if _, err := ParseRef(in, "ctx-ns"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRef(%q) err = %v, want it to say %q", in, err, want)
		}
	}
}

func obj(group string, spec, status map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": group + "/v1alpha1", "kind": "Backup",
		"metadata": map[string]any{"name": "b", "namespace": "ns", "uid": "u1"},
		"spec":     spec, "status": status,
	}}
}

func TestFromUnstructuredDefaults(t *testing.T) {
	b, err := FromUnstructured(obj(GroupV2, map[string]any{}, map[string]any{}))
	if err != nil {
		t.Fatal(err)
	}
	p := b.Policy
	if b.Mode != "snapshot" || p.MaxRetryTimes != 2 || p.MinRetryDuration != Duration(5*time.Minute) || p.RetryTimeout != Duration(30*time.Minute) ||
		!p.MaxRetryTimesDefault || !p.MinRetryDurationDefault || !p.RetryTimeoutDefault {
		t.Errorf("defaults: %+v %+v", b, p)
	}
	if b.GroupVersion() != "br.pingcap.com/v1alpha1" {
		t.Errorf("group version %s", b.GroupVersion())
	}
}

func TestFromUnstructuredFields(t *testing.T) {
	b, err := FromUnstructured(obj(GroupV1,
		map[string]any{"backupMode": "log", "logStop": true, "backoffRetryPolicy": map[string]any{"maxRetryTimes": int64(0), "retryTimeout": "2h"}},
		map[string]any{"phase": "RetryFailed", "logCheckpointTs": "470703869689069568",
			"backoffRetryStatus": []any{map[string]any{"retryNum": int64(1), "detectFailedAt": "2026-11-25T08:00:00Z", "expectedRetryAt": "2026-11-25T08:05:00Z", "retryReason": "r", "originalReason": "o"}},
			"conditions": []any{
				map[string]any{"type": "Old", "status": "True", "lastTransitionTime": "2026-11-25T07:00:00Z"},
				map[string]any{"type": "New", "status": "True", "lastTransitionTime": "2026-11-25T09:00:00Z"},
			}}))
	if err != nil {
		t.Fatal(err)
	}
	if b.LogSubcommand != "log-stop" {
		t.Errorf("logStop: true should read as log-stop, got %q", b.LogSubcommand)
	}
	if b.Policy.MaxRetryTimes != 0 || b.Policy.MaxRetryTimesDefault || b.Policy.RetryTimeout != Duration(2*time.Hour) || !b.Policy.MinRetryDurationDefault {
		t.Errorf("policy: %+v", b.Policy)
	}
	if len(b.Records) != 1 || b.Records[0].RealRetryAt != nil || b.Records[0].OriginalReason != "o" {
		t.Errorf("records: %+v", b.Records)
	}
	if b.Conditions[0].Type != "New" {
		t.Errorf("conditions not newest first: %+v", b.Conditions)
	}
	if _, err := FromUnstructured(&unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Pod"}}); err == nil {
		t.Error("a Pod read as a Backup")
	}
	// A wrongly typed field used to fail the whole read ("unexpected
	// types"); now it is reported and the rest is still read.
	bad := obj(GroupV1, map[string]any{}, map[string]any{"phase": "Running", "backoffRetryStatus": "oops"})
	b, err = FromUnstructured(bad)
	if err != nil || b.Phase != "Running" || b.Records != nil {
		t.Fatalf("wrongly typed status: %+v, %v", b, err)
	}
	if e := b.InvalidField("status.backoffRetryStatus"); e == nil || e.Value != `"oops"` || e.Expected != "a list" {
		t.Errorf("wrongly typed status reported as %+v", b.Invalid)
	}
}

func TestCheckpointTime(t *testing.T) {
	want := time.Date(2026, 11, 25, 7, 46, 4, 0, time.UTC)
	got, ok := CheckpointTime(TSOFromTime(want))
	if !ok || !got.Equal(want) {
		t.Errorf("round trip: %v %v", got, ok)
	}
	// 434889823653035009 >> 18 = 1659000000000 ms (a real TSO from 2022-07-28).
	if got, _ := CheckpointTime("434889823653035009"); got.UnixMilli() != 434889823653035009>>18 {
		t.Errorf("TSO >> 18: %v", got.UnixMilli())
	}
	for _, s := range []string{"", "0", "abc", "-1"} {
		if _, ok := CheckpointTime(s); ok {
			t.Errorf("CheckpointTime(%q) ok", s)
		}
	}
}

func at(s string) *time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return &t
}

func TestRetryState(t *testing.T) {
	now := *at("2026-11-25T10:00:00Z")
	b := &Backup{Phase: PhaseRetryFailed, Policy: RetryPolicy{MaxRetryTimes: 3, RetryTimeout: Duration(time.Hour)},
		Records: []RetryRecord{
			{RetryNum: 1, DetectFailedAt: at("2026-11-25T09:30:00Z"), ExpectedRetryAt: at("2026-11-25T09:35:00Z"), RealRetryAt: at("2026-11-25T09:35:00Z")},
			{RetryNum: 2, DetectFailedAt: at("2026-11-25T09:50:00Z"), ExpectedRetryAt: at("2026-11-25T10:00:10Z")},
		}}
	s := b.Retry(now)
	if s.Used != 2 || s.Allowed != 3 || s.AtLimit || s.Pending == nil || s.Pending.RetryNum != 2 || s.PendingOverdue {
		t.Errorf("retrying: %+v", s)
	}
	if !s.Deadline.Equal(*at("2026-11-25T10:30:00Z")) {
		t.Errorf("deadline = first detection + retryTimeout, got %v", s.Deadline)
	}
	if s := b.Retry(now.Add(time.Minute)); !s.PendingOverdue {
		t.Error("a retry past its expected time is overdue")
	}
	if s := b.Retry(now.Add(31 * time.Minute)); !s.AtLimit {
		t.Error("past the retry timeout is at the limit")
	}

	b.Phase = PhaseFailed
	cases := []struct{ reason, msg, want string }{
		{"AlreadyFailed", "exceed retry times, max is 2, failed reason Job backup-nightly has failed, original reason BackoffLimitExceeded", ExhaustedByCount},
		{"AlreadyFailed", "retry timeout, ...", ExhaustedByTimeout},
		{"ExceedRetryLimit", "", ExhaustedByCount},
		{"ExceededMaxRetries", "Failed after 5 retries. Last error: x", ExhaustedByCount},
		{"ExceededMaxRetries", "Failed after 5 retries. Last error: retry timeout talking to PD", ExhaustedByCount},
		{"AlreadyFailed", "", ExhaustedByCount}, // records, deadline not passed: the count
		{"RetryTimeout", "", ExhaustedByTimeout},
		{"StartLogBackupFailed", "", ""},
	}
	for _, c := range cases {
		b.Conditions = []Condition{{Type: PhaseFailed, Status: "True", Reason: c.reason, Message: c.msg}}
		s := b.Retry(now)
		if s.ExhaustedBy != c.want || s.FailedReason != c.reason {
			t.Errorf("%s %q: exhaustedBy %q, want %q", c.reason, c.msg, s.ExhaustedBy, c.want)
		}
		if s.Pending != nil {
			t.Error("a Failed backup has no pending retry")
		}
	}
}
