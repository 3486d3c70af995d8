package resetretries

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
	"github.com/logbackup/kubectl-logbackup/pkg/reset"
)

func testPlan(t *testing.T, name string, statusSub bool, phase string, records int) *reset.Plan {
	t.Helper()
	group := backup.GroupV1
	if statusSub {
		group = backup.GroupV2
	}
	recs := []any{}
	for i := 1; i <= records; i++ {
		recs = append(recs, map[string]any{"retryNum": int64(i), "detectFailedAt": "2026-11-25T09:00:00Z",
			"expectedRetryAt": "2026-11-25T09:05:00Z", "retryReason": "Job ns/backup-b failed", "originalReason": "OOMKilled"})
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
	p, err := reset.NewPlan(context.Background(), gather.Clients{}, gather.API{Group: group, Version: "v1alpha1", StatusSubresource: statusSub},
		obj, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPreviewText(t *testing.T) {
	var buf bytes.Buffer
	(&printer{w: &buf}).preview(testPlan(t, "b", true, "Failed", 2))
	out := buf.String()
	for _, want := range []string{
		"Backup ns/b (br.pingcap.com/v1alpha1, status subresource)\n",
		"  Mode:          snapshot\n",
		"  Phase:         Failed\n",
		"  Retries used:  2 of 2 allowed, at the limit (0 after the reset)\n",
		"  Last failure:  #2 detected 2026-11-25T09:00:00Z: Job ns/backup-b failed (original reason: OOMKilled)\n",
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

func TestQuestion(t *testing.T) {
	one := []*reset.Plan{testPlan(t, "a", false, "RetryFailed", 1)}
	if q := question(one); q != "Remove 1 retry record from ns/a?" {
		t.Errorf("one: %q", q)
	}
	two := append(one, testPlan(t, "b", true, "RetryFailed", 3))
	if q := question(two); q != "Remove 4 retry records from 2 backups (ns/a: 1, ns/b: 3)?" {
		t.Errorf("two: %q", q)
	}
}

func TestResultJSONAndYAML(t *testing.T) {
	r := newResult(DryRunNone)
	out := r.add(backup.Ref{Namespace: "ns", Name: "a"}, nil)
	out.Outcome = OutcomeDeclined
	for format, wants := range map[string][]string{
		"yaml": {"kind: RetryReset", "apiVersion: logbackup.kubectl.pingcap.com/v1alpha1", "outcome: declined", "dryRun: none"},
		"json": {`"kind": "RetryReset"`, `"apiVersion": "logbackup.kubectl.pingcap.com/v1alpha1"`, `"outcome": "declined"`, `"dryRun": "none"`},
	} {
		var buf bytes.Buffer
		if err := r.print(&buf, format); err != nil {
			t.Fatal(err)
		}
		for _, want := range wants {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("%s lacks %q:\n%s", format, want, buf.String())
			}
		}
	}
	if err := r.print(io.Discard, "wide"); err == nil {
		t.Error("-o wide printed")
	}
}

// The printers may copy the result; a copied preview must still make the
// patch that tests exactly the stored records.
func TestResultDeepCopyKeepsThePatch(t *testing.T) {
	r := newResult(DryRunNone)
	p := testPlan(t, "a", true, "RetryFailed", 2)
	r.add(backup.Ref{Namespace: "ns", Name: "a"}, p)
	c, ok := r.DeepCopyObject().(*Result)
	if !ok {
		t.Fatalf("copy is a %T", r.DeepCopyObject())
	}
	want, _ := p.PatchJSON()
	got, err := c.Items[0].Preview.PatchJSON()
	if err != nil || string(got) != string(want) {
		t.Errorf("patch of the copy:\n%s\nwant\n%s", got, want)
	}
	if c.Items[0].Preview == p {
		t.Error("the copy shares the preview")
	}
}
