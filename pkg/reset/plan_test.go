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

	"github.com/logbackup/kubectl-logbackup/pkg/gather"
)

func TestPlanPreviewsRecordsAndCause(t *testing.T) {
	p, err := NewPlan(context.Background(), gather.Clients{Kube: workload(t, false)}, v1API, backupObj(v1API, "RetryFailed", 2), now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Empty() || len(p.Records) != 2 || len(p.stored) != 2 || p.Records[1].RetryNum != 2 {
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
	p, err := NewPlan(context.Background(), gather.Clients{Kube: workload(t, true)}, v2API, backupObj(v2API, "Running", 1), now)
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
		"type": "Failed", "status": "True", "reason": "AlreadyFailed", "message": "exceed retry times, max is 2, current is 3"}}
	p, err := NewPlan(context.Background(), gather.Clients{Kube: fake.NewClientset()}, v1API, obj, now)
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
	p, err := NewPlan(context.Background(), gather.Clients{Kube: kube}, v1API, backupObj(v1API, "RetryFailed", 1), now)
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
	p, err := NewPlan(context.Background(), gather.Clients{}, v1API, obj, now)
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
	if p, _ := NewPlan(context.Background(), gather.Clients{}, v1API, obj, now); !p.Empty() {
		t.Error("an empty list is not empty")
	}
}

func TestPlanRefusesMalformedStatus(t *testing.T) {
	obj := backupObj(v1API, "RetryFailed", 0)
	obj.Object["status"].(map[string]any)["backoffRetryStatus"] = "oops"
	if _, err := NewPlan(context.Background(), gather.Clients{}, v1API, obj, now); err == nil {
		t.Error("a string backoffRetryStatus was accepted")
	}
}

func TestCountRecords(t *testing.T) {
	if CountRecords(1) != "1 retry record" || CountRecords(3) != "3 retry records" {
		t.Error(CountRecords(1), CountRecords(3))
	}
}
