package reset

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

func TestPatchTestsExactlyThePreviewedRecords(t *testing.T) {
	p, err := NewPlan(context.Background(), backupapi.Clients{}, backupapi.Found{API: v2API, Object: backupObj(v2API, "RetryFailed", 2)}, now)
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.PatchJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"op":"test","path":"/metadata/uid","value":"uid-b"},` +
		`{"op":"test","path":"/status/backoffRetryStatus","value":[` +
		`{"detectFailedAt":"2026-11-25T09:51:00Z","expectedRetryAt":"2026-11-25T09:56:00Z","originalReason":"OOMKilled","retryNum":1,"retryReason":"Job ns/backup-b failed"},` +
		`{"detectFailedAt":"2026-11-25T09:52:00Z","expectedRetryAt":"2026-11-25T09:57:00Z","originalReason":"OOMKilled","retryNum":2,"retryReason":"Job ns/backup-b failed"}]},` +
		`{"op":"test","path":"/status/phase","value":"RetryFailed"},` +
		`{"op":"remove","path":"/status/backoffRetryStatus"}]`
	if string(data) != want {
		t.Errorf("patch\n got %s\nwant %s", data, want)
	}
}

// The API server encodes a custom resource with encoding/json before it
// applies a JSON patch, and compares test values byte for byte: a reason
// with characters that encoding/json escapes must come out the same.
func TestPatchEscapesLikeTheServer(t *testing.T) {
	obj := backupObj(v1API, "RetryFailed", 0)
	obj.Object["status"].(map[string]any)["backoffRetryStatus"] = []any{record(1, `exit code > 0 & <br> "quoted" é`)}
	p, err := NewPlan(context.Background(), backupapi.Clients{}, backupapi.Found{API: v1API, Object: obj}, now)
	if err != nil {
		t.Fatal(err)
	}
	patch, _ := p.PatchJSON()
	server, _ := json.Marshal(obj.Object)
	reason := `"retryReason":"exit code \u003e 0 \u0026 \u003cbr\u003e \"quoted\" é"`
	if !strings.Contains(string(patch), reason) || !strings.Contains(string(server), reason) {
		t.Errorf("encodings differ:\npatch  %s\nserver %s", patch, server)
	}
}

// The API server's JSON-patch library fails on a test of a list holding a
// null; such records are guarded by the resourceVersion instead.
func TestPatchGuardsNullsByResourceVersion(t *testing.T) {
	obj := backupObj(v1API, "RetryFailed", 2)
	recs := obj.Object["status"].(map[string]any)["backoffRetryStatus"].([]any)
	obj.Object["status"].(map[string]any)["backoffRetryStatus"] = append(recs, nil)
	p, err := NewPlan(context.Background(), backupapi.Clients{}, backupapi.Found{API: v1API, Object: obj}, now)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := p.PatchJSON()
	if !strings.Contains(string(data), `{"op":"test","path":"/metadata/resourceVersion","value":"7"}`) || strings.Contains(string(data), `"path":"/status/backoffRetryStatus","value"`) {
		t.Errorf("patch: %s", data)
	}
}
