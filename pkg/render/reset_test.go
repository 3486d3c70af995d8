package render

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/reset"
)

func testPlan(t *testing.T, name string, statusSub bool, phase string, records int, reason string) *reset.Plan {
	t.Helper()
	group := backup.GroupV1
	if statusSub {
		group = backup.GroupV2
	}
	recs := []any{}
	for i := 1; i <= records; i++ {
		recs = append(recs, map[string]any{"retryNum": int64(i), "detectFailedAt": "2026-11-25T09:00:00Z",
			"expectedRetryAt": "2026-11-25T09:05:00Z", "retryReason": reason, "originalReason": "BackoffLimitExceeded"})
	}
	status := map[string]any{"phase": phase}
	if records > 0 {
		status["backoffRetryStatus"] = recs
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": group + "/v1alpha1", "kind": "Backup",
		"metadata": map[string]any{"name": name, "namespace": "ns", "uid": "u"},
		"status":   status,
	}}
	api := backupapi.API{Group: group, Version: "v1alpha1", StatusSubresource: statusSub}
	p, err := reset.NewPlan(context.Background(), backupapi.Clients{}, backupapi.Found{API: api, Object: obj}, now)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResetPreviewText(t *testing.T) {
	var buf bytes.Buffer
	if err := ResetPreview(&buf, testPlan(t, "b", true, "Failed", 2, "Job ns/backup-b has failed"), Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Backup ns/b (br.pingcap.com/v1alpha1, status subresource)\n",
		"  Mode:          snapshot\n",
		"  Phase:         Failed\n",
		"  Retries used:  2 of 2 allowed, at the limit (0 after the reset)\n",
		"  Last failure:  #2 detected 2026-11-25T09:00:00Z: Job ns/backup-b has failed (original reason: BackoffLimitExceeded)\n",
		"  Patch:         PATCH /apis/br.pingcap.com/v1alpha1/namespaces/ns/backups/b/status\n",
		"  To remove (status.backoffRetryStatus, 2 retry records):\n",
		"    #   DETECTED",
		"    2   2026-11-25T09:00:00Z   2026-11-25T09:05:00Z   not yet",
		"  WARNING: The phase is already Failed: the controller skips Failed backups",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("preview lacks %q\n%s", want, out)
		}
	}
}

// A crafted reason printed just before the question must not clear the
// screen or move the cursor over the warnings.
func TestResetPreviewEscapesClusterText(t *testing.T) {
	var buf bytes.Buffer
	p := testPlan(t, "b", false, "Failed\x1b[2J", 1, "\x1b[2J\x1b[H\u202eoops\x9b1A")
	if err := ResetPreview(&buf, p, Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, raw := range []string{"\x1b[2J", "\x1b[H", "\u202e", "\u009b"} {
		if strings.Contains(out, raw) {
			t.Errorf("raw %q reached the terminal:\n%q", raw, out)
		}
	}
	if !strings.Contains(out, `\x1b[2J\x1b[H\u202eoops\x9b1A`) {
		t.Errorf("the reason is not shown escaped:\n%s", out)
	}
}
