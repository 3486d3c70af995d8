package reset

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

func TestPlanPreviewsRecordsAndCause(t *testing.T) {
	p, err := NewPlan(context.Background(), backupapi.Clients{Kube: workload(t, false)}, backupapi.Found{API: v1API, Object: backupObj(v1API, "RetryFailed", 2)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Empty() || len(p.Records) != 2 || len(p.stored.([]any)) != 2 || p.Records[1].RetryNum != 2 {
		t.Fatalf("records: %+v", p.Records)
	}
	f := p.LastFailure
	if f == nil || f.RetryNum != 2 || f.OriginalReason != "OOMKilled" || f.Pod != "backup-b-1" || !f.Unresolved ||
		f.Cause != "OOMKilled, exit 137" {
		t.Errorf("last failure: %+v", f)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "looks unresolved") ||
		!strings.Contains(p.Warnings[0], "kubectl logbackup investigate ns/b") {
		t.Errorf("warnings: %q", p.Warnings)
	}
	if p.Resource() != "backups" || strings.HasSuffix(p.Path(), "/status") {
		t.Errorf("v1 goes to the main resource: %s %s", p.Resource(), p.Path())
	}
}

func TestPlanResolvedWhenARunSucceededSince(t *testing.T) {
	p, err := NewPlan(context.Background(), backupapi.Clients{Kube: workload(t, true)}, backupapi.Found{API: v2API, Object: backupObj(v2API, "Running", 1)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.LastFailure.Unresolved || len(p.Warnings) != 0 {
		t.Errorf("a pod succeeded after the failure: %+v %q", p.LastFailure, p.Warnings)
	}
	if p.Path() != "/apis/br.pingcap.com/v1alpha1/namespaces/ns/backups/b/status" || p.Resource() != "backups/status" {
		t.Errorf("v2 goes to the status subresource: %s", p.Path())
	}
}

func TestPlanWarnsFailedPhase(t *testing.T) {
	obj := backupObj(v1API, "Failed", 3)
	obj.Object["status"].(map[string]any)["conditions"] = []any{map[string]any{
		"type": "Failed", "status": "True", "reason": "AlreadyFailed", "message": "exceed retry times, max is 2, failed reason Job backup-nightly has failed, original reason BackoffLimitExceeded"}}
	p, err := NewPlan(context.Background(), backupapi.Clients{Kube: fake.NewClientset()}, backupapi.Found{API: v1API, Object: obj}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "already Failed (AlreadyFailed)") ||
		!strings.Contains(p.Warnings[0], "skips Failed backups") || !strings.Contains(p.Warnings[0], "recreate the backup") {
		t.Errorf("warnings: %q", p.Warnings)
	}
}

func TestPlanNotesUnreadablePods(t *testing.T) {
	kube := fake.NewClientset()
	kube.PrependReactor("list", "jobs", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "batch", Resource: "jobs"}, "", nil)
	})
	p, err := NewPlan(context.Background(), backupapi.Clients{Kube: kube}, backupapi.Found{API: v1API, Object: backupObj(v1API, "RetryFailed", 1)}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "missing permission to list jobs (API group batch) in namespace ns") {
		t.Errorf("notes: %q", p.Notes)
	}
	if p.LastFailure == nil || p.LastFailure.Unresolved {
		t.Errorf("unknown is not unresolved: %+v", p.LastFailure)
	}
}

func TestPlanEmpty(t *testing.T) {
	obj := backupObj(v1API, "Complete", 0)
	p, err := NewPlan(context.Background(), backupapi.Clients{}, backupapi.Found{API: v1API, Object: obj}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() || p.LastFailure != nil || len(p.Warnings) != 0 || p.Records == nil {
		t.Errorf("empty plan: %+v", p)
	}
	if _, err := p.PatchJSON(); err == nil {
		t.Error("an empty plan built a patch")
	}
	// An empty list is nothing to reset too.
	obj.Object["status"].(map[string]any)["backoffRetryStatus"] = []any{}
	if p, _ := NewPlan(context.Background(), backupapi.Clients{}, backupapi.Found{API: v1API, Object: obj}, now); !p.Empty() {
		t.Error("an empty list is not empty")
	}
}

// A backoffRetryStatus that is not a list stops the operator too
// (tidb-operator#5584): the reset offers to remove it, and its patch tests
// exactly that value.
func TestPlanOffersToRemoveAMalformedStatus(t *testing.T) {
	obj := backupObj(v1API, "RetryFailed", 0)
	obj.Object["status"].(map[string]any)["backoffRetryStatus"] = "oops"
	p, err := NewPlan(context.Background(), backupapi.Clients{}, backupapi.Found{API: v1API, Object: obj}, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Empty() || !p.Malformed || len(p.Invalid) != 1 || p.Invalid[0].Field != "status.backoffRetryStatus" {
		t.Fatalf("plan: empty %v malformed %v invalid %+v", p.Empty(), p.Malformed, p.Invalid)
	}
	if p.What() != "the malformed status.backoffRetryStatus" || !strings.Contains(EventMessage(p, "u"), "removed the malformed status.backoffRetryStatus") {
		t.Errorf("what %q, event %q", p.What(), EventMessage(p, "u"))
	}
	data, _ := p.PatchJSON()
	if !strings.Contains(string(data), `{"op":"test","path":"/status/backoffRetryStatus","value":"oops"}`) {
		t.Errorf("patch: %s", data)
	}
}

// Another field that cannot be read does not stop the reset.
func TestPlanWithAnInvalidFieldElsewhere(t *testing.T) {
	obj := backupObj(v1API, "RetryFailed", 2)
	obj.Object["spec"].(map[string]any)["backoffRetryPolicy"] = map[string]any{"minRetryDuration": "banana", "maxRetryTimes": int64(-1)}
	obj.Object["status"].(map[string]any)["conditions"] = []any{map[string]any{"type": 7, "lastTransitionTime": "2026-11-25t09:00:00z"}}
	p, err := NewPlan(context.Background(), backupapi.Clients{}, backupapi.Found{API: v1API, Object: obj}, now)
	if err != nil || p.Empty() || len(p.Records) != 2 || len(p.Invalid) != 3 {
		t.Fatalf("plan %+v, %v", p, err)
	}
}

func TestCountRecords(t *testing.T) {
	if CountRecords(1) != "1 retry record" || CountRecords(3) != "3 retry records" {
		t.Error(CountRecords(1), CountRecords(3))
	}
}
