package backup

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// v1Waiting is a v1 snapshot backup as its controller leaves it while a
// retry waits: the last record has no realRetryAt and the phase stays
// Scheduled (docs/operator-facts.md).
const v1Waiting = `{
  "apiVersion": "pingcap.com/v1alpha1", "kind": "Backup",
  "metadata": {"name": "nightly", "namespace": "tidb", "uid": "0b1c", "resourceVersion": "4242", "creationTimestamp": "2026-11-25T07:00:00Z"},
  "spec": {"backupMode": "snapshot", "br": {"cluster": "basic"},
    "backoffRetryPolicy": {"maxRetryTimes": 3, "minRetryDuration": "60s", "retryTimeout": "1h"},
    "s3": {"provider": "aws", "bucket": "backups", "prefix": "nightly", "secretName": "s3-secret"}},
  "status": {"phase": "Scheduled", "logCheckpointTs": "470703869689069568",
    "backoffRetryStatus": [
      {"retryNum": 1, "detectFailedAt": "2026-11-25T08:00:00Z", "expectedRetryAt": "2026-11-25T08:01:00Z", "realRetryAt": "2026-11-25T08:01:00Z", "retryReason": "Job backup-nightly has failed", "originalReason": "BackoffLimitExceeded"},
      {"retryNum": 2, "detectFailedAt": "2026-11-25T08:10:00Z", "expectedRetryAt": "2026-11-25T08:12:00Z", "retryReason": "Job backup-nightly has failed", "originalReason": "BackoffLimitExceeded"}
    ],
    "conditions": [
      {"type": "Scheduled", "status": "True", "lastTransitionTime": "2026-11-25T07:00:05Z"},
      {"type": "RetryFailed", "status": "True", "reason": "RetryFailedBackup", "message": "reason Job backup-nightly has failed, original reason BackoffLimitExceeded", "lastTransitionTime": "2026-11-25T08:01:00Z"},
      {"type": "Restart", "status": "True", "lastTransitionTime": "2026-11-25T08:01:01Z", "command": ""}
    ]}
}`

// object decodes JSON as the dynamic client does (integers as int64).
func object(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := utiljson.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func decode(t testing.TB, m map[string]any) *Backup {
	t.Helper()
	b, err := FromUnstructured(&unstructured.Unstructured{Object: m})
	if err != nil || b == nil {
		t.Fatalf("FromUnstructured: %v, %v", b, err)
	}
	return b
}

// walk follows a path of keys and list positions to the parent of its last
// element, which set or remove then changes.
func walk(t testing.TB, m map[string]any, path []any) (parent any, last any) {
	var cur any = m
	for _, p := range path[:len(path)-1] {
		switch k := p.(type) {
		case string:
			cur = cur.(map[string]any)[k]
		case int:
			cur = cur.([]any)[k]
		}
	}
	return cur, path[len(path)-1]
}

func set(t testing.TB, m map[string]any, path []any, v any) {
	parent, last := walk(t, m, path)
	switch k := last.(type) {
	case string:
		parent.(map[string]any)[k] = v
	case int:
		parent.([]any)[k] = v
	}
}

// remove deletes a key, or replaces a list element by an empty object:
// what an invalid value must decode like.
func remove(t testing.TB, m map[string]any, path []any) {
	parent, last := walk(t, m, path)
	switch k := last.(type) {
	case string:
		delete(parent.(map[string]any), k)
	case int:
		parent.([]any)[k] = map[string]any{}
	}
}

func p(elems ...any) []any { return elems }

// TestInvalidFieldIsReportedAndTheRestRead: each malformed value yields
// exactly one FieldError, and the Backup is otherwise what it would be
// without that field (so every other field was still decoded).
func TestInvalidFieldIsReportedAndTheRestRead(t *testing.T) {
	const dflt = "; the default "
	cases := []struct {
		name string
		path []any
		v    any
		want FieldError
		// fix adjusts the expectation beyond "as if absent".
		fix func(*Backup)
	}{
		{"time as a number", p("status", "backoffRetryStatus", 1, "detectFailedAt"), int64(1764057600),
			FieldError{"status.backoffRetryStatus[1].detectFailedAt", "1764057600", expTime}, nil},
		{"time as a float", p("status", "backoffRetryStatus", 0, "realRetryAt"), 1.5,
			FieldError{"status.backoffRetryStatus[0].realRetryAt", "1.5", expTime}, nil},
		{"time as words", p("status", "backoffRetryStatus", 1, "expectedRetryAt"), "yesterday",
			FieldError{"status.backoffRetryStatus[1].expectedRetryAt", `"yesterday"`, expTime}, nil},
		{"time without offset", p("status", "backoffRetryStatus", 0, "detectFailedAt"), "2026-11-25T08:00:00",
			FieldError{"status.backoffRetryStatus[0].detectFailedAt", `"2026-11-25T08:00:00"`, expTime}, nil},
		// Valid RFC 3339, but no operator wrote it; a deadline computed
		// from it would be a time JSON cannot hold.
		{"time in year 9999", p("status", "backoffRetryStatus", 0, "detectFailedAt"), "9999-12-31T23:59:59Z",
			FieldError{"status.backoffRetryStatus[0].detectFailedAt", `"9999-12-31T23:59:59Z"`, expTime}, nil},
		{"time in year 0", p("status", "conditions", 2, "lastTransitionTime"), "0000-01-01T00:00:00Z",
			FieldError{"status.conditions[2].lastTransitionTime", `"0000-01-01T00:00:00Z"`, expTime}, nil},
		{"time as an object", p("status", "backoffRetryStatus", 0, "expectedRetryAt"), map[string]any{"seconds": int64(1)},
			FieldError{"status.backoffRetryStatus[0].expectedRetryAt", `{"seconds":1}`, expTime}, nil},
		{"retryNum as a string", p("status", "backoffRetryStatus", 1, "retryNum"), "3",
			FieldError{"status.backoffRetryStatus[1].retryNum", `"3"`, "a whole number"}, nil},
		{"retryNum as a fraction", p("status", "backoffRetryStatus", 1, "retryNum"), 2.5,
			FieldError{"status.backoffRetryStatus[1].retryNum", "2.5", "a whole number"}, nil},
		{"retryNum past int", p("status", "backoffRetryStatus", 0, "retryNum"), 1e300,
			FieldError{"status.backoffRetryStatus[0].retryNum", "1e+300", "a whole number"}, nil},
		{"retryNum as a bool", p("status", "backoffRetryStatus", 0, "retryNum"), true,
			FieldError{"status.backoffRetryStatus[0].retryNum", "true", "a whole number"}, nil},
		{"retryReason as a number", p("status", "backoffRetryStatus", 0, "retryReason"), int64(7),
			FieldError{"status.backoffRetryStatus[0].retryReason", "7", "a string"}, nil},
		{"originalReason as a list", p("status", "backoffRetryStatus", 1, "originalReason"), []any{"a", "b"},
			FieldError{"status.backoffRetryStatus[1].originalReason", `["a","b"]`, "a string"}, nil},
		{"record as a string", p("status", "backoffRetryStatus", 0), "oops",
			FieldError{"status.backoffRetryStatus[0]", `"oops"`, "an object"}, nil},
		{"record as null", p("status", "backoffRetryStatus", 1), nil,
			FieldError{"status.backoffRetryStatus[1]", "null", "an object"}, nil},
		{"record as a list", p("status", "backoffRetryStatus", 1), []any{int64(1)},
			FieldError{"status.backoffRetryStatus[1]", "[1]", "an object"}, nil},
		{"records as an object", p("status", "backoffRetryStatus"), map[string]any{"retryNum": int64(1)},
			FieldError{"status.backoffRetryStatus", `{"retryNum":1}`, "a list"}, nil},
		{"records as a string", p("status", "backoffRetryStatus"), "",
			FieldError{"status.backoffRetryStatus", `""`, "a list"}, nil},
		{"condition time", p("status", "conditions", 2, "lastTransitionTime"), "2026-11-25T08:01:01",
			FieldError{"status.conditions[2].lastTransitionTime", `"2026-11-25T08:01:01"`, expTime}, nil},
		{"condition reason", p("status", "conditions", 1, "reason"), map[string]any{},
			FieldError{"status.conditions[1].reason", "{}", "a string"}, nil},
		{"condition type", p("status", "conditions", 0, "type"), false,
			FieldError{"status.conditions[0].type", "false", "a string"}, nil},
		{"condition as a number", p("status", "conditions", 1), int64(1),
			FieldError{"status.conditions[1]", "1", "an object"}, nil},
		{"conditions as a string", p("status", "conditions"), "Complete",
			FieldError{"status.conditions", `"Complete"`, "a list"}, nil},
		{"phase as a number", p("status", "phase"), int64(3),
			FieldError{"status.phase", "3", "a string"}, nil},
		{"checkpoint as words", p("status", "logCheckpointTs"), "soon",
			FieldError{"status.logCheckpointTs", `"soon"`, "a TiDB TSO as a decimal string"}, nil},
		{"checkpoint negative", p("status", "logCheckpointTs"), int64(-1),
			FieldError{"status.logCheckpointTs", "-1", "a TiDB TSO as a decimal string"}, nil},
		{"checkpoint fraction", p("status", "logCheckpointTs"), 1.5,
			FieldError{"status.logCheckpointTs", "1.5", "a TiDB TSO as a decimal string"}, nil},
		{"checkpoint bool", p("status", "logCheckpointTs"), true,
			FieldError{"status.logCheckpointTs", "true", "a TiDB TSO as a decimal string"}, nil},
		{"status as a list", p("status"), []any{},
			// Invalid, not absent: "no status" is not said of it.
			FieldError{"status", "[]", "an object"}, func(b *Backup) { b.StatusAbsent = false }},
		{"backupMode as a number", p("spec", "backupMode"), int64(1),
			FieldError{"spec.backupMode", "1", "a string; the default snapshot is assumed"}, nil},
		{"logSubcommand as a bool", p("spec", "logSubcommand"), true,
			FieldError{"spec.logSubcommand", "true", "a string"}, nil},
		{"br as a string", p("spec", "br"), "basic",
			FieldError{"spec.br", `"basic"`, "an object"}, nil},
		{"br.cluster as a number", p("spec", "br", "cluster"), int64(7),
			FieldError{"spec.br.cluster", "7", "a string"}, nil},
		{"logStop as a string", p("spec", "logStop"), "yes",
			FieldError{"spec.logStop", `"yes"`, "true or false"}, nil},

		// Policy: the maths use the default, which is not called a default.
		{"minRetryDuration banana", p("spec", "backoffRetryPolicy", "minRetryDuration"), "banana",
			FieldError{"spec.backoffRetryPolicy.minRetryDuration", `"banana"`, "a Go duration such as 300s or 5m" + dflt + "5m0s is assumed"},
			func(b *Backup) { b.Policy.MinRetryDurationDefault = false }},
		{"minRetryDuration without unit", p("spec", "backoffRetryPolicy", "minRetryDuration"), "5",
			FieldError{"spec.backoffRetryPolicy.minRetryDuration", `"5"`, "a Go duration such as 300s or 5m" + dflt + "5m0s is assumed"},
			func(b *Backup) { b.Policy.MinRetryDurationDefault = false }},
		{"minRetryDuration zero", p("spec", "backoffRetryPolicy", "minRetryDuration"), "0s",
			FieldError{"spec.backoffRetryPolicy.minRetryDuration", `"0s"`, "a positive Go duration" + dflt + "5m0s is assumed"},
			func(b *Backup) { b.Policy.MinRetryDurationDefault = false }},
		{"minRetryDuration as a number", p("spec", "backoffRetryPolicy", "minRetryDuration"), int64(300),
			FieldError{"spec.backoffRetryPolicy.minRetryDuration", "300", "a Go duration such as 300s or 5m" + dflt + "5m0s is assumed"},
			func(b *Backup) { b.Policy.MinRetryDurationDefault = false }},
		{"retryTimeout negative", p("spec", "backoffRetryPolicy", "retryTimeout"), "-30m",
			FieldError{"spec.backoffRetryPolicy.retryTimeout", `"-30m"`, "a positive Go duration" + dflt + "30m0s is assumed"},
			func(b *Backup) { b.Policy.RetryTimeoutDefault = false }},
		{"retryTimeout empty", p("spec", "backoffRetryPolicy", "retryTimeout"), "",
			FieldError{"spec.backoffRetryPolicy.retryTimeout", `""`, "a Go duration such as 300s or 5m" + dflt + "30m0s is assumed"},
			func(b *Backup) { b.Policy.RetryTimeoutDefault = false }},
		{"maxRetryTimes negative", p("spec", "backoffRetryPolicy", "maxRetryTimes"), int64(-1),
			FieldError{"spec.backoffRetryPolicy.maxRetryTimes", "-1", "0 or more" + dflt + "2 is assumed"},
			func(b *Backup) { b.Policy.MaxRetryTimesDefault = false }},
		{"maxRetryTimes as a string", p("spec", "backoffRetryPolicy", "maxRetryTimes"), "5",
			FieldError{"spec.backoffRetryPolicy.maxRetryTimes", `"5"`, "a whole number" + dflt + "2 is assumed"},
			func(b *Backup) { b.Policy.MaxRetryTimesDefault = false }},
		{"maxRetryTimes fraction", p("spec", "backoffRetryPolicy", "maxRetryTimes"), 1.5,
			FieldError{"spec.backoffRetryPolicy.maxRetryTimes", "1.5", "a whole number" + dflt + "2 is assumed"},
			func(b *Backup) { b.Policy.MaxRetryTimesDefault = false }},
		{"policy as a list", p("spec", "backoffRetryPolicy"), []any{map[string]any{"maxRetryTimes": int64(3)}},
			FieldError{"spec.backoffRetryPolicy", `[{"maxRetryTimes":3}]`, "an object; the defaults are assumed"},
			func(b *Backup) {
				b.Policy = RetryPolicy{MaxRetryTimes: 2, MinRetryDuration: DefaultMinRetryDuration, RetryTimeout: DefaultRetryTimeout}
			}},
		{"policy as a string", p("spec", "backoffRetryPolicy"), "maxRetryTimes: 3",
			FieldError{"spec.backoffRetryPolicy", `"maxRetryTimes: 3"`, "an object; the defaults are assumed"},
			func(b *Backup) {
				b.Policy = RetryPolicy{MaxRetryTimes: 2, MinRetryDuration: DefaultMinRetryDuration, RetryTimeout: DefaultRetryTimeout}
			}},
		{"spec as a string", p("spec"), "snapshot",
			FieldError{"spec", `"snapshot"`, "an object"},
			func(b *Backup) {
				b.Policy = RetryPolicy{MaxRetryTimes: 2, MinRetryDuration: DefaultMinRetryDuration, RetryTimeout: DefaultRetryTimeout}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := object(t, v1Waiting)
			set(t, bad, c.path, c.v)
			got := decode(t, bad)

			absent := object(t, v1Waiting)
			remove(t, absent, c.path)
			want := decode(t, absent)
			if len(want.Invalid) != 0 {
				t.Fatalf("the fixed object is not clean: %v", want.Invalid)
			}
			if c.fix != nil {
				c.fix(want)
			}
			want.Invalid = []FieldError{c.want}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
			if e := got.InvalidField(c.want.Field); e == nil || *e != c.want {
				t.Errorf("InvalidField(%q) = %v", c.want.Field, e)
			}
		})
	}
}

func TestCleanObjectsDecode(t *testing.T) {
	b := decode(t, object(t, v1Waiting))
	if len(b.Invalid) != 0 {
		t.Fatalf("invalid: %v", b.Invalid)
	}
	want := &Backup{Group: GroupV1, Version: "v1alpha1", Namespace: "tidb", Name: "nightly", UID: "0b1c", ResourceVersion: "4242",
		Created: time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC).Local(), Mode: "snapshot", Phase: "Scheduled", CheckpointTS: "470703869689069568",
		Cluster: "basic", ClusterNamespace: "tidb", // clusterNamespace defaults to the backup's own
		Storage: &Storage{Provider: StorageS3, SecretName: "s3-secret"}, // of spec.s3 only the secret's name
		Policy:  RetryPolicy{MaxRetryTimes: 3, MinRetryDuration: Duration(time.Minute), RetryTimeout: Duration(time.Hour)}}
	if b.Records[1].RetryNum != 2 || b.Records[1].RealRetryAt != nil || !b.Records[0].RealRetryAt.Equal(*at("2026-11-25T08:01:00Z")) ||
		b.Records[0].OriginalReason != "BackoffLimitExceeded" {
		t.Errorf("records: %+v", b.Records)
	}
	if len(b.Conditions) != 3 || b.Conditions[0].Type != "Restart" || b.Conditions[2].Type != "Scheduled" || b.Conditions[1].Reason != "RetryFailedBackup" {
		t.Errorf("conditions not newest first: %+v", b.Conditions)
	}
	b.Records, b.Conditions = nil, nil
	if !b.Created.Equal(want.Created) {
		t.Errorf("created %v", b.Created)
	}
	b.Created = want.Created
	if !reflect.DeepEqual(b, want) {
		t.Errorf("got  %+v\nwant %+v", b, want)
	}

	// v2 writes metav1.Condition (observedGeneration) and sets RetryFailed
	// while it waits; the policy may be absent.
	v2 := decode(t, object(t, `{"apiVersion": "br.pingcap.com/v1alpha1", "kind": "Backup",
	  "metadata": {"name": "daily", "namespace": "tidb-v2"},
	  "spec": {"cluster": {"name": "basic"}},
	  "status": {"phase": "RetryFailed",
	    "backoffRetryStatus": [{"retryNum": 1, "detectFailedAt": "2026-11-25T08:00:00Z", "expectedRetryAt": "2026-11-25T08:05:00Z", "retryReason": "Job tidb-v2/backup-daily has failed", "originalReason": "BackoffLimitExceeded"}],
	    "conditions": [{"type": "RetryFailed", "status": "True", "observedGeneration": 1, "reason": "RetryFailedBackup", "message": "", "lastTransitionTime": "2026-11-25T08:00:01Z"}]}}`))
	if len(v2.Invalid) != 0 || v2.Mode != "snapshot" || !v2.Policy.MaxRetryTimesDefault || len(v2.Records) != 1 || v2.Conditions[0].Reason != "RetryFailedBackup" {
		t.Errorf("v2: %+v", v2)
	}
}

func TestSeveralInvalidFieldsInObjectOrder(t *testing.T) {
	m := object(t, v1Waiting)
	set(t, m, p("status", "backoffRetryStatus", 1), map[string]any{
		"retryNum": "2", "detectFailedAt": int64(1), "expectedRetryAt": "x", "realRetryAt": true, "retryReason": int64(1), "originalReason": []any{},
	})
	set(t, m, p("spec", "backoffRetryPolicy", "minRetryDuration"), "banana")
	b := decode(t, m)
	var fields []string
	for _, e := range b.Invalid {
		fields = append(fields, strings.TrimPrefix(e.Field, "status.backoffRetryStatus[1]."))
	}
	if got := strings.Join(fields, " "); got != "spec.backoffRetryPolicy.minRetryDuration retryNum detectFailedAt expectedRetryAt realRetryAt retryReason originalReason" {
		t.Errorf("fields: %s", got)
	}
	// The broken record still counts as a record; the first one is intact.
	if len(b.Records) != 2 || b.Records[1] != (RetryRecord{}) || b.Records[0].RetryNum != 1 || b.Phase != "Scheduled" || b.Policy.MaxRetryTimes != 3 {
		t.Errorf("rest not decoded: %+v", b)
	}
	if s := b.Retry(*at("2026-11-25T09:00:00Z")); s.Used != 2 || s.Allowed != 3 || !s.Retrying {
		t.Errorf("retry state: %+v", s)
	}
}

// Times valid by RFC 3339 that Go's time.RFC3339 layout refuses.
func TestLenientTimesDecode(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-25t08:00:00z":             "2026-11-25T08:00:00Z",
		"2026-11-25 08:00:00Z":             "2026-11-25T08:00:00Z",
		"2026-11-25T13:30:00.123456+05:30": "2026-11-25T08:00:00.123456Z",
		"2026-12-31T23:59:60Z":             "2027-01-01T00:00:00Z",
	} {
		m := object(t, v1Waiting)
		set(t, m, p("status", "backoffRetryStatus", 1, "detectFailedAt"), in)
		set(t, m, p("status", "conditions", 0, "lastTransitionTime"), in)
		b := decode(t, m)
		w, _ := time.Parse(time.RFC3339Nano, want)
		if len(b.Invalid) != 0 || b.Records[1].DetectFailedAt == nil || !b.Records[1].DetectFailedAt.Equal(w) {
			t.Errorf("%q: %v %v", in, b.Records[1].DetectFailedAt, b.Invalid)
		}
		if c := b.Condition("Scheduled"); c == nil || c.LastTransitionTime == nil || !c.LastTransitionTime.Equal(w) {
			t.Errorf("%q: condition %+v", in, c)
		}
	}
}

func TestLenientNumbersDecode(t *testing.T) {
	m := object(t, v1Waiting)
	set(t, m, p("spec", "backoffRetryPolicy", "maxRetryTimes"), 4.0) // a float64 from JSON decoded without int64s
	set(t, m, p("status", "backoffRetryStatus", 0, "retryNum"), 1.0)
	set(t, m, p("spec", "backoffRetryPolicy", "retryTimeout"), " 2h ")
	set(t, m, p("status", "logCheckpointTs"), int64(470703869689069568))
	b := decode(t, m)
	if len(b.Invalid) != 0 || b.Policy.MaxRetryTimes != 4 || b.Records[0].RetryNum != 1 || b.Policy.RetryTimeout != Duration(2*time.Hour) ||
		b.CheckpointTS != "470703869689069568" {
		t.Errorf("%+v", b)
	}
	set(t, m, p("status", "logCheckpointTs"), 4.70703869689069568e17)
	if b := decode(t, m); len(b.Invalid) != 0 || b.CheckpointTS != "470703869689069568" {
		t.Errorf("float TSO: %q %v", b.CheckpointTS, b.Invalid)
	}
	// Zero retries is a real choice, not a default.
	set(t, m, p("spec", "backoffRetryPolicy", "maxRetryTimes"), int64(0))
	if b := decode(t, m); b.Policy.MaxRetryTimes != 0 || b.Policy.MaxRetryTimesDefault || len(b.Invalid) != 0 {
		t.Errorf("maxRetryTimes 0: %+v", b.Policy)
	}
}

func TestNullReadsAsAbsent(t *testing.T) {
	m := object(t, v1Waiting)
	set(t, m, p("spec", "backoffRetryPolicy", "minRetryDuration"), nil)
	set(t, m, p("status", "backoffRetryStatus", 1, "expectedRetryAt"), nil)
	set(t, m, p("status", "conditions"), nil)
	b := decode(t, m)
	if len(b.Invalid) != 0 || !b.Policy.MinRetryDurationDefault || b.Records[1].ExpectedRetryAt != nil || b.Conditions != nil {
		t.Errorf("%+v", b)
	}
	m["spec"], m["status"] = nil, nil
	if b := decode(t, m); len(b.Invalid) != 0 || !b.Policy.MaxRetryTimesDefault || b.Mode != "snapshot" {
		t.Errorf("null spec and status: %+v", b)
	}
}

func TestFieldErrorWording(t *testing.T) {
	m := object(t, v1Waiting)
	set(t, m, p("spec", "backoffRetryPolicy", "minRetryDuration"), "banana")
	set(t, m, p("status", "phase"), []any{strings.Repeat("é", 100)})
	b := decode(t, m)
	if got := b.Invalid[0].String(); got != `spec.backoffRetryPolicy.minRetryDuration: "banana" is not a Go duration such as 300s or 5m; the default 5m0s is assumed` {
		t.Errorf("wording: %s", got)
	}
	long := b.InvalidField("status.phase")
	if long == nil || len(long.Value) > maxValueBytes+len("…") || !strings.HasSuffix(long.Value, "é…") || !strings.HasPrefix(long.Value, `["éé`) {
		t.Errorf("long value: %q (%d bytes)", long.Value, len(long.Value))
	}
	if b.InvalidField("status.conditions") != nil {
		t.Error("a valid field reported")
	}
	// Raw: escaping belongs to the printer.
	if v := renderValue("<\x1b[31m>&"); v != `"<\u001b[31m>&"` {
		t.Errorf("rendered %s", v)
	}
}

// The retry story is read from the records, not from the phase.
func TestRetrying(t *testing.T) {
	now := *at("2026-11-25T08:11:00Z")
	b := decode(t, object(t, v1Waiting))
	s := b.Retry(now)
	if !s.Retrying || s.Pending == nil || s.Pending.RetryNum != 2 || b.Phase != "Scheduled" {
		t.Errorf("v1 waiting in Scheduled is retrying: %+v", s)
	}
	for _, phase := range []string{"Running", PhaseRetryFailed} {
		b.Phase = phase
		if !b.Retry(now).Retrying {
			t.Errorf("%s with a waiting record is retrying", phase)
		}
	}
	b.Phase = PhaseFailed
	if s := b.Retry(now); s.Retrying || s.Pending != nil {
		t.Errorf("a Failed backup is not retrying: %+v", s)
	}
	b.Phase = "Scheduled"
	b.Records[1].RealRetryAt = at("2026-11-25T08:12:00Z")
	if s := b.Retry(now); s.Retrying || s.Pending != nil {
		t.Errorf("a retry that ran is not waiting: %+v", s)
	}
	// RetryFailed without records (a transient controller error) is no retry story.
	if s := (&Backup{Phase: PhaseRetryFailed, Policy: RetryPolicy{MaxRetryTimes: 2}}).Retry(now); s.Retrying {
		t.Errorf("no records: %+v", s)
	}
}
