package reset

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/logbackup/kubectl-logbackup/pkg/gather"
)

func plan(t *testing.T, api gather.API, n int) (*Plan, *unstructured.Unstructured) {
	t.Helper()
	obj := backupObj(api, "RetryFailed", n)
	p, err := NewPlan(context.Background(), gather.Clients{}, api, obj, now)
	if err != nil {
		t.Fatal(err)
	}
	return p, obj
}

func TestApplyRemovesAndReadsBack(t *testing.T) {
	for _, api := range []gather.API{v1API, v2API} {
		p, obj := plan(t, api, 2)
		dyn := fakeDynamic(obj)
		if _, err := Apply(context.Background(), dyn, p, false); err != nil {
			t.Fatal(err)
		}
		after, err := ReadBack(context.Background(), dyn, p)
		if err != nil || len(after.Records) != 0 || after.Untouched || after.Phase != "RetryFailed" {
			t.Errorf("%s: after %+v, %v", api.Group, after, err)
		}
		var patch k8stesting.PatchActionImpl
		for _, a := range dyn.Actions() {
			if pa, ok := a.(k8stesting.PatchActionImpl); ok {
				patch = pa
			}
		}
		if want := map[bool]string{true: "status", false: ""}[api.StatusSubresource]; patch.Subresource != want || len(patch.PatchOptions.DryRun) != 0 {
			t.Errorf("%s: subresource %q dryRun %v", api.Group, patch.Subresource, patch.PatchOptions.DryRun)
		}
	}
}

func TestApplyServerDryRunSendsDryRunAll(t *testing.T) {
	p, obj := plan(t, v2API, 1)
	dyn := fakeDynamic(obj)
	// The fake stores dry runs; answer as the API server would.
	dyn.PrependReactor("patch", "backups", func(a k8stesting.Action) (bool, runtime.Object, error) {
		opts := a.(k8stesting.PatchActionImpl).PatchOptions
		if len(opts.DryRun) != 1 || opts.DryRun[0] != metav1.DryRunAll {
			t.Errorf("dryRun = %v", opts.DryRun)
		}
		answer := obj.DeepCopy()
		unstructured.RemoveNestedField(answer.Object, "status", "backoffRetryStatus")
		return true, answer, nil
	})
	answer, err := Apply(context.Background(), dyn, p, true)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := p.AfterFrom(answer)
	if len(after.Records) != 0 {
		t.Errorf("answer: %+v", after)
	}
}

// The controller appended a record after the preview: the test operation
// fails and the error shows the new count.
func TestApplyRefusesWhenARecordWasAdded(t *testing.T) {
	p, _ := plan(t, v1API, 2)
	_, now3 := plan(t, v1API, 3)
	dyn := fakeDynamic(now3)
	_, err := Apply(context.Background(), dyn, p, false)
	var changed *ChangedError
	if !errors.As(err, &changed) || len(changed.Now) != 3 || changed.Shown != 2 {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "it now has 3 retry records, the preview showed 2; nothing was changed") {
		t.Errorf("message: %v", err)
	}
	u, _ := dyn.Resource(v1API.GVR()).Namespace("ns").Get(context.Background(), "b", metav1.GetOptions{})
	if len(storedRecords(u)) != 3 {
		t.Error("records were removed although the test failed")
	}
}

func TestApplyRefusesARewrittenRecordOrARecreatedBackup(t *testing.T) {
	p, _ := plan(t, v1API, 2)
	_, started := plan(t, v1API, 2)
	recs := storedRecords(started)
	recs[1].(map[string]any)["realRetryAt"] = "2026-11-25T10:00:00Z"
	_ = unstructured.SetNestedSlice(started.Object, recs, "status", "backoffRetryStatus")
	if _, err := Apply(context.Background(), fakeDynamic(started), p, false); err == nil || !strings.Contains(err.Error(), "were rewritten") {
		t.Errorf("rewritten: %v", err)
	}
	_, recreated := plan(t, v1API, 2)
	recreated.SetUID("uid-other")
	if _, err := Apply(context.Background(), fakeDynamic(recreated), p, false); err == nil || !strings.Contains(err.Error(), "deleted and created again") {
		t.Errorf("recreated: %v", err)
	}
}

func TestApplyForbiddenNamesThePermission(t *testing.T) {
	p, obj := plan(t, v2API, 1)
	dyn := fakeDynamic(obj)
	dyn.PrependReactor("patch", "backups", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "br.pingcap.com", Resource: "backups"}, "b", nil)
	})
	_, err := Apply(context.Background(), dyn, p, false)
	want := "forbidden: missing permission to patch backups/status (API group br.pingcap.com) in namespace ns; nothing was changed"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestApplyGone(t *testing.T) {
	p, _ := plan(t, v1API, 1)
	var gone *GoneError
	if _, err := Apply(context.Background(), fakeDynamic(), p, false); !errors.As(err, &gone) {
		t.Errorf("err = %v", err)
	}
}

func TestAfterUntouched(t *testing.T) {
	p, obj := plan(t, v2API, 2)
	// What the main resource of a group with a status subresource answers.
	after, err := p.AfterFrom(obj)
	if err != nil || !after.Untouched {
		t.Errorf("after = %+v, %v", after, err)
	}
}
