package backup

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Seeds beside v1Waiting: shapes test/fixtures writes, then broken ones.
var fuzzSeeds = []string{
	v1Waiting,
	// v1 snapshot, retries exhausted by count.
	`{"apiVersion": "pingcap.com/v1alpha1", "kind": "Backup", "metadata": {"name": "nightly", "namespace": "tidb"},
	  "spec": {"backupMode": "snapshot"},
	  "status": {"phase": "Failed", "backoffRetryStatus": [
	    {"retryNum": 1, "detectFailedAt": "2026-11-25T08:00:00Z", "expectedRetryAt": "2026-11-25T08:05:00Z", "realRetryAt": "2026-11-25T08:05:00Z", "retryReason": "Job tidb/backup-nightly failed", "originalReason": "OOMKilled"},
	    {"retryNum": 2, "detectFailedAt": "2026-11-25T08:10:00Z", "expectedRetryAt": "2026-11-25T08:20:00Z", "realRetryAt": "2026-11-25T08:20:00Z", "retryReason": "Job tidb/backup-nightly failed", "originalReason": "OOMKilled"},
	    {"retryNum": 3, "detectFailedAt": "2026-11-25T08:30:00Z", "expectedRetryAt": "2026-11-25T08:50:00Z", "retryReason": "Job tidb/backup-nightly failed", "originalReason": "OOMKilled"}],
	  "conditions": [{"type": "Failed", "status": "True", "reason": "AlreadyFailed", "message": "exceed retry times, max is 2, failed reason Job backup-nightly has failed, original reason BackoffLimitExceeded", "lastTransitionTime": "2026-11-25T08:30:30Z"}]}}`,
	// v1 log backup with the retry feature and a checkpoint.
	`{"apiVersion": "pingcap.com/v1alpha1", "kind": "Backup", "metadata": {"name": "logstream", "namespace": "tidb"},
	  "spec": {"backupMode": "log", "logSubcommand": "log-start", "backoffRetryPolicy": {"maxRetryTimes": 5, "minRetryDuration": "1m", "retryTimeout": "2h"}},
	  "status": {"phase": "Running", "logCheckpointTs": "470703869689069568",
	    "backoffRetryStatus": [{"retryNum": 1, "detectFailedAt": "2026-11-25T08:00:00Z", "expectedRetryAt": "2026-11-25T08:01:00Z"}],
	    "conditions": [{"type": "RetryFailed", "status": "True", "reason": "RetryingLogBackup", "message": "Retrying log backup (attempt 1/5) after 1m0s", "lastTransitionTime": "2026-11-25T08:00:00Z"}]}}`,
	// v2 snapshot waiting in RetryFailed; v2 with no status at all.
	`{"apiVersion": "br.pingcap.com/v1alpha1", "kind": "Backup", "metadata": {"name": "daily", "namespace": "tidb-v2", "uid": "u"},
	  "spec": {"backupMode": "snapshot", "backoffRetryPolicy": {"maxRetryTimes": 2}},
	  "status": {"phase": "RetryFailed",
	    "backoffRetryStatus": [{"retryNum": 1, "detectFailedAt": "2026-11-25T08:00:00Z", "expectedRetryAt": "2026-11-25T08:05:00Z", "retryReason": "Job tidb-v2/backup-daily has failed", "originalReason": "BackoffLimitExceeded"}],
	    "conditions": [{"type": "RetryFailed", "status": "True", "observedGeneration": 1, "reason": "RetryFailedBackup", "message": "", "lastTransitionTime": "2026-11-25T08:00:01Z"}]}}`,
	`{"apiVersion": "br.pingcap.com/v1alpha1", "kind": "Backup", "metadata": {"name": "nopd", "namespace": "tidb-v2"}, "spec": {}}`,
	// Malformed.
	`{"spec": {"backoffRetryPolicy": {"maxRetryTimes": -1, "minRetryDuration": "banana", "retryTimeout": 0}}, "status": {"backoffRetryStatus": "oops"}}`,
	`{"spec": {"backoffRetryPolicy": []}, "status": {"backoffRetryStatus": [null, 1, "x", {"retryNum": "2", "detectFailedAt": 1700000000}]}}`,
	`{"spec": "x", "status": {"conditions": [{"lastTransitionTime": "2016-12-31t23:59:60z"}, 3, {"type": 1}], "logCheckpointTs": 1.5e300}}`,
	`{"metadata": {"creationTimestamp": "0000-01-01T00:00:00+01:00", "name": 1}, "status": [], "spec": {"logStop": "yes", "backupMode": "log"}}`,
	`[1, 2, 3]`,
	`"2026-11-25 08:00:00.123456789123+05:30"`,
	`null`,
}

// Where a fuzzed value is put inside a realistic backup.
var fuzzPositions = [][]any{
	{"spec"}, {"status"}, {"metadata"}, {"metadata", "creationTimestamp"}, {"metadata", "name"},
	{"spec", "backupMode"}, {"spec", "logSubcommand"}, {"spec", "logStop"},
	{"spec", "backoffRetryPolicy"}, {"spec", "backoffRetryPolicy", "maxRetryTimes"},
	{"spec", "backoffRetryPolicy", "minRetryDuration"}, {"spec", "backoffRetryPolicy", "retryTimeout"},
	{"status", "phase"}, {"status", "logCheckpointTs"}, {"status", "backoffRetryStatus"},
	{"status", "backoffRetryStatus", 0}, {"status", "backoffRetryStatus", 1},
	{"status", "backoffRetryStatus", 1, "retryNum"}, {"status", "backoffRetryStatus", 0, "detectFailedAt"},
	{"status", "backoffRetryStatus", 1, "expectedRetryAt"}, {"status", "backoffRetryStatus", 1, "realRetryAt"},
	{"status", "backoffRetryStatus", 0, "retryReason"}, {"status", "conditions"}, {"status", "conditions", 2},
	{"status", "conditions", 0, "lastTransitionTime"}, {"status", "conditions", 1, "type"},
}

func FuzzFromUnstructured(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), uint8(i))
	}
	for i := range fuzzPositions {
		f.Add([]byte(`"2026-11-25T08:00:00"`), uint8(i))
		f.Add([]byte(`{"a": [1, -2.5, true, null]}`), uint8(i+len(fuzzPositions)))
	}
	f.Fuzz(func(t *testing.T, data []byte, where uint8) {
		// The bytes as a whole object, decoded as encoding/json does
		// (float64 numbers) and as the dynamic client does (int64).
		var plain, client map[string]any
		if json.Unmarshal(data, &plain) == nil && plain != nil {
			checkDecode(t, forceBackup(plain, where))
		}
		if utiljson.Unmarshal(data, &client) == nil && client != nil {
			checkDecode(t, forceBackup(client, where))
		}
		// The bytes as one value put at a nested position of a real backup.
		var v any
		if utiljson.Unmarshal(data, &v) == nil {
			m := object(t, v1Waiting)
			if where&0x80 != 0 {
				m["apiVersion"] = GroupV2 + "/" + Version
			}
			set(t, m, fuzzPositions[int(where&0x7f)%len(fuzzPositions)], v)
			checkDecode(t, m)
		}
	})
}

func forceBackup(m map[string]any, where uint8) map[string]any {
	m["apiVersion"], m["kind"] = GroupV1+"/"+Version, "Backup"
	if where&0x80 != 0 {
		m["apiVersion"] = GroupV2 + "/" + Version
	}
	return m
}

func checkDecode(t *testing.T, m map[string]any) {
	t.Helper()
	before := runtime.DeepCopyJSON(m)
	b, err := FromUnstructured(&unstructured.Unstructured{Object: m})
	if err != nil || b == nil {
		t.Fatalf("FromUnstructured: %v, %v", b, err)
	}
	if !reflect.DeepEqual(before, m) {
		t.Fatal("FromUnstructured changed its input")
	}
	for _, e := range b.Invalid {
		if e.Field == "" || e.Expected == "" || len(e.Value) > maxValueBytes+len("…") {
			t.Fatalf("bad FieldError %+v", e)
		}
		if b.InvalidField(e.Field) == nil {
			t.Fatalf("InvalidField(%q) finds nothing", e.Field)
		}
	}
	// The maths only ever see valid values.
	p := b.Policy
	if p.MaxRetryTimes < 0 || p.MinRetryDuration <= 0 || p.RetryTimeout <= 0 {
		t.Fatalf("policy %+v", p)
	}
	if status, ok := m["status"].(map[string]any); ok {
		if list, ok := status["backoffRetryStatus"].([]any); ok && len(list) != len(b.Records) {
			t.Fatalf("%d records stored, %d read", len(list), len(b.Records))
		}
	}
	for _, now := range []time.Time{{}, time.Date(2026, 11, 25, 8, 11, 0, 0, time.UTC), time.Now()} {
		s := b.Retry(now)
		if s.Retrying != (s.Pending != nil) {
			t.Fatalf("retrying %v, pending %v", s.Retrying, s.Pending)
		}
		// What is computed from the fields (a deadline) is printed too.
		if _, err := json.Marshal(s); err != nil {
			t.Fatalf("marshal the retry state: %v", err)
		}
	}
	// The report marshals the Backup: that must not fail either.
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if len(b.Invalid) > 0 && !strings.Contains(string(out), `"invalid":[`) {
		t.Fatalf("invalid fields not in the JSON: %s", out)
	}
}
