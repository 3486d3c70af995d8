package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// freezePolicy makes the API server's admission refuse (Deny) or warn
// about (Warn) every change to backups in namespaces labelled freeze=ACTION.
func freezePolicy(t *testing.T, action admissionv1.ValidationAction) string {
	t.Helper()
	ctx := context.Background()
	kube := s.env.Kube
	name := "freeze-" + strings.ToLower(string(action))
	fail := admissionv1.Fail
	forbidden := metav1.StatusReasonForbidden
	policy := &admissionv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{Operations: []admissionv1.OperationType{admissionv1.Update},
					Rule: admissionv1.Rule{APIGroups: []string{backup.GroupV1, backup.GroupV2}, APIVersions: []string{"*"}, Resources: []string{"backups", "backups/status"}}},
			}}},
			// Reason Forbidden: a 403, as webhooks answer by default.
			Validations: []admissionv1.Validation{{Expression: "false", Message: "change freeze until Monday", Reason: &forbidden}},
		}}
	if _, err := kube.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: name, ValidationActions: []admissionv1.ValidationAction{action},
			MatchResources: &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"freeze": string(action)}}}}}
	if _, err := kube.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = kube.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Delete(ctx, name, metav1.DeleteOptions{})
		_ = kube.AdmissionregistrationV1().ValidatingAdmissionPolicies().Delete(ctx, name, metav1.DeleteOptions{})
	})
	ns := "frozen-" + strings.ToLower(string(action))
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
		Labels: map[string]string{"freeze": string(action)}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return ns
}

// A 403 from an admission policy is not a missing permission: the command
// shows the policy's own reason.
func TestAdmissionDenialIsNotCalledRBAC(t *testing.T) {
	ns := freezePolicy(t, admissionv1.Deny)
	retryingIn(t, backup.GroupV1, ns, "frozen", 1)
	// The API server takes the policy in a moment; until then a dry run
	// goes through.
	var r result
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if r = plugin(t, "reset-retries", ns+"/frozen", "--dry-run=server"); r.code != 0 {
			break
		}
	}
	assertOneLineError(t, r.stderr, "refused (not by RBAC: by admission) to patch backups (API group pingcap.com) in namespace "+ns)
	mustContain(t, r.stderr, "change freeze until Monday")
	mustNotContain(t, r.stderr, "missing permission")
	if len(storedIn(t, backup.GroupV1, ns, "frozen")) != 1 {
		t.Error("the records changed")
	}
}

// A policy in Warn mode: the API server's warning is shown, as kubectl
// shows it, and the reset is done.
func TestAdmissionWarningIsShown(t *testing.T) {
	ns := freezePolicy(t, admissionv1.Warn)
	var r result
	for i, deadline := 0, time.Now().Add(30*time.Second); time.Now().Before(deadline); i++ {
		name := "warned-" + string(rune('a'+i))
		retryingIn(t, backup.GroupV2, ns, name, 1)
		if r = plugin(t, "reset-retries", ns+"/"+name, "--yes"); strings.Contains(r.stderr, "Warning:") {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, r.stderr, "Warning: ", "change freeze until Monday")
	mustContain(t, r.stdout, "Removed 1 retry record")
}
