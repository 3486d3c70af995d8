package reset

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

func plan(t *testing.T, api backupapi.API, n int) (*Plan, *unstructured.Unstructured) {
	t.Helper()
	obj := backupObj(api, "RetryFailed", n)
	p, err := NewPlan(context.Background(), backupapi.Clients{}, backupapi.Found{API: api, Object: obj}, now)
	if err != nil {
		t.Fatal(err)
	}
	return p, obj
}

var opts = Options{Timeout: 5 * time.Second, Now: func() time.Time { return now }}

// do runs Do with the fake clients.
func do(ctx context.Context, dyn dynamic.Interface, kube kubernetes.Interface, p *Plan, dryRun bool) *Outcome {
	o := opts
	o.DryRun = dryRun
	return Do(ctx, backupapi.Clients{Kube: kube, Dynamic: dyn}, p, o)
}

func TestDoRemovesReadsBackAndAudits(t *testing.T) {
	for _, api := range []backupapi.API{v1API, v2API} {
		p, obj := plan(t, api, 2)
		dyn, kube := fakeDynamic(obj), fake.NewClientset()
		out := do(context.Background(), dyn, kube, p, false)
		if out.Err != nil || out.Outcome != OutcomeReset {
			t.Fatalf("%s: %+v", api.Group, out)
		}
		after := out.After
		if after == nil || len(after.Records) != 0 || after.Untouched || after.Phase != "RetryFailed" {
			t.Errorf("%s: after %+v", api.Group, after)
		}
		if out.Event == "" || len(auditEvents(t, kube)) != 1 {
			t.Errorf("%s: no audit event", api.Group)
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

func TestDoServerDryRunSendsDryRunAll(t *testing.T) {
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
	out := do(context.Background(), dyn, fake.NewClientset(), p, true)
	if out.Err != nil || out.Outcome != OutcomeDryRun || out.After == nil || len(out.After.Records) != 0 || out.Event != "" {
		t.Errorf("outcome: %+v", out)
	}
}

// The controller appended a record after the preview: the test operation
// fails and the error shows the new count.
func TestDoRefusesWhenARecordWasAdded(t *testing.T) {
	p, _ := plan(t, v1API, 2)
	_, now3 := plan(t, v1API, 3)
	dyn := fakeDynamic(now3)
	out := do(context.Background(), dyn, fake.NewClientset(), p, false)
	err := out.Err
	var changed *ChangedError
	if !errors.As(err, &changed) || len(changed.Now) != 3 || changed.Shown != 2 || out.Outcome != OutcomeChanged {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "it now has 3 retry records, the preview showed 2; nothing was changed") {
		t.Errorf("message: %v", err)
	}
	u, _ := dyn.Resource(v1API.GVR()).Namespace("ns").Get(context.Background(), "b", metav1.GetOptions{})
	if len(storedRecords(u).([]any)) != 3 {
		t.Error("records were removed although the test failed")
	}
}

func TestDoRefusesARewrittenRecordOrARecreatedBackup(t *testing.T) {
	p, _ := plan(t, v1API, 2)
	_, started := plan(t, v1API, 2)
	recs := storedRecords(started).([]any)
	recs[1].(map[string]any)["realRetryAt"] = "2026-11-25T10:00:00Z"
	_ = unstructured.SetNestedSlice(started.Object, recs, "status", "backoffRetryStatus")
	if out := do(context.Background(), fakeDynamic(started), fake.NewClientset(), p, false); out.Err == nil || !strings.Contains(out.Error, "were rewritten") {
		t.Errorf("rewritten: %v", out.Err)
	}
	_, recreated := plan(t, v1API, 2)
	recreated.SetUID("uid-other")
	if out := do(context.Background(), fakeDynamic(recreated), fake.NewClientset(), p, false); out.Err == nil || !strings.Contains(out.Error, "deleted and created again") {
		t.Errorf("recreated: %v", out.Err)
	}
}

func TestDoForbiddenNamesThePermission(t *testing.T) {
	p, obj := plan(t, v2API, 1)
	dyn := fakeDynamic(obj)
	dyn.PrependReactor("patch", "backups", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "br.pingcap.com", Resource: "backups"}, "b", errors.New(`User "u" cannot patch resource "backups/status" in API group "br.pingcap.com" in the namespace "ns"`))
	})
	err := do(context.Background(), dyn, fake.NewClientset(), p, false).Err
	want := "forbidden: missing permission to patch backups/status (API group br.pingcap.com) in namespace ns; nothing was changed"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestDoGone(t *testing.T) {
	p, _ := plan(t, v1API, 1)
	var gone *GoneError
	if out := do(context.Background(), fakeDynamic(), fake.NewClientset(), p, false); !errors.As(out.Err, &gone) {
		t.Errorf("err = %v", out.Err)
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

// auditEvents are the RetriesReset events written so far.
func auditEvents(t *testing.T, kube kubernetes.Interface) []corev1.Event {
	t.Helper()
	list, err := kube.CoreV1().Events("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// lose makes the patch's answer go missing: the server applies it (or
// not) and the client sees only a transport error or a proxy's 5xx.
func lose(dyn *dynamicfake.FakeDynamicClient, apply bool, answer error) {
	dyn.PrependReactor("patch", "backups", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if apply {
			u, _ := dyn.Tracker().Get(a.GetResource(), "ns", "b")
			obj := u.(*unstructured.Unstructured).DeepCopy()
			unstructured.RemoveNestedField(obj.Object, "status", "backoffRetryStatus")
			_ = dyn.Tracker().Update(a.GetResource(), obj, "ns")
		}
		return true, nil, answer
	})
}

// A write whose answer was lost is not abandoned: the backup is read back
// and the outcome says whether the reset was done; a done reset is audited.
func TestDoLostAnswer(t *testing.T) {
	lost := []error{
		&url.Error{Op: "Patch", URL: "https://h/apis", Err: errors.New("connection reset by peer")},
		context.DeadlineExceeded,
		apierrors.NewInternalError(errors.New("proxy: upstream timed out")),
		// A proxy's own 4xx pages: client-go marks a body that is no Status.
		apierrors.NewGenericServerResponse(http.StatusBadRequest, "PATCH", schema.GroupResource{}, "", "<html>bad gateway config</html>", 0, true),
		apierrors.NewGenericServerResponse(http.StatusRequestTimeout, "PATCH", schema.GroupResource{}, "", "", 0, false),
		apierrors.NewTooManyRequests("slow down", 1),
	}
	for _, answer := range lost {
		for _, applied := range []bool{true, false} {
			p, obj := plan(t, v2API, 2)
			dyn, kube := fakeDynamic(obj), fake.NewClientset()
			lose(dyn, applied, answer)
			out := do(context.Background(), dyn, kube, p, false)
			switch {
			case applied && (out.Outcome != OutcomeReset || out.Err != nil || !strings.Contains(out.Note, "the reset was done") || len(auditEvents(t, kube)) != 1):
				t.Errorf("%v, applied: %+v", answer, out)
			case !applied && (out.Outcome != OutcomeUnknown || out.Err == nil || !strings.Contains(out.Error, "has not been applied so far, but the request may still reach the API server") || len(auditEvents(t, kube)) != 0):
				t.Errorf("%v, not applied: %+v", answer, out)
			}
		}
	}
}

// When the backup cannot be read back either, the outcome is unknown and
// says how to check: never a guess.
func TestDoLostAnswerAndNoReadBack(t *testing.T) {
	p, obj := plan(t, v1API, 1)
	dyn := fakeDynamic(obj)
	lose(dyn, true, context.DeadlineExceeded)
	dyn.PrependReactor("get", "backups", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	out := do(context.Background(), dyn, fake.NewClientset(), p, false)
	if out.Outcome != OutcomeUnknown || !strings.Contains(out.Error, "may or may not have been applied; check with: kubectl logbackup investigate ns/b") {
		t.Errorf("%+v", out)
	}
}

// Ctrl-C while the patch is on its way: the patch, the read-back and the
// audit event still complete.
func TestDoInterruptDuringThePatch(t *testing.T) {
	p, obj := plan(t, v1API, 2)
	dyn, kube := fakeDynamic(obj), fake.NewClientset()
	ctx, cancel := context.WithCancel(context.Background())
	dyn.PrependReactor("patch", "backups", func(k8stesting.Action) (bool, runtime.Object, error) {
		cancel() // the signal arrives while the request is out
		return false, nil, nil
	})
	out := do(ctx, dyn, kube, p, false)
	if out.Outcome != OutcomeReset || out.Err != nil || out.After == nil || len(out.After.Records) != 0 || len(auditEvents(t, kube)) != 1 {
		t.Errorf("%+v", out)
	}
}

// Ctrl-C before the patch was sent: nothing is sent.
func TestDoInterruptBeforeThePatch(t *testing.T) {
	p, obj := plan(t, v1API, 2)
	dyn := fakeDynamic(obj)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := do(ctx, dyn, fake.NewClientset(), p, false)
	if out.Outcome != OutcomeSkipped || out.Err == nil || len(dyn.Actions()) != 0 {
		t.Errorf("%+v, actions %v", out, dyn.Actions())
	}
}

// A malformed backoffRetryStatus is removed like records are.
func TestDoRemovesAMalformedStatus(t *testing.T) {
	obj := backupObj(v1API, "RetryFailed", 0)
	obj.Object["status"].(map[string]any)["backoffRetryStatus"] = map[string]any{"retryNum": "one"}
	p, err := NewPlan(context.Background(), backupapi.Clients{}, backupapi.Found{API: v1API, Object: obj}, now)
	if err != nil {
		t.Fatal(err)
	}
	kube := fake.NewClientset()
	out := do(context.Background(), fakeDynamic(obj), kube, p, false)
	if out.Outcome != OutcomeReset || out.Err != nil || len(auditEvents(t, kube)) != 1 {
		t.Errorf("%+v", out)
	}
}

// The API server's own refusal (a webhook, a validation) with the records
// unchanged: nothing was changed, said plainly.
func TestDoRefusedByTheAPIServer(t *testing.T) {
	p, obj := plan(t, v1API, 2)
	dyn := fakeDynamic(obj)
	dyn.PrependReactor("patch", "backups", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewInvalid(schema.GroupKind{Group: "pingcap.com", Kind: "Backup"}, "b", nil)
	})
	out := do(context.Background(), dyn, fake.NewClientset(), p, false)
	if out.Outcome != OutcomeFailed || !strings.Contains(out.Error, "the API server refused the patch") || !strings.Contains(out.Error, "nothing was changed") {
		t.Errorf("%+v", out)
	}
}

// The API server refused the patch (its test failed) and the records are
// gone: someone else removed them. This run made no change and writes no
// audit event.
func TestDoRefusedAndRemovedBySomeoneElse(t *testing.T) {
	p, obj := plan(t, v1API, 2)
	dyn, kube := fakeDynamic(obj), fake.NewClientset()
	lose(dyn, true, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "PATCH", schema.GroupResource{}, "", "testing value /status/backoffRetryStatus failed", 0, false))
	out := do(context.Background(), dyn, kube, p, false)
	if out.Outcome != OutcomeChanged || len(auditEvents(t, kube)) != 0 {
		t.Errorf("%+v", out)
	}
}
