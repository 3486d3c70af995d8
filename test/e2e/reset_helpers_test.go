package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// The reset tests write only their own backups, in their own namespaces:
// the seeded ones are read by the investigate tests.
const (
	resetNSv1 = "reset-v1"
	resetNSv2 = "reset-v2"
)

// nsFor is the reset tests' namespace of a group.
func nsFor(group string) string {
	if group == backup.GroupV2 {
		return resetNSv2
	}
	return resetNSv1
}

// uniqueName turns the test's name into a backup name of its own.
func uniqueName(t *testing.T) string {
	n := strings.Trim(sanitize(strings.TrimPrefix(t.Name(), "Test")), "-")
	if len(n) > 50 {
		n = n[len(n)-50:]
	}
	return strings.Trim(n, "-")
}

// reasonWithEscapes has characters encoding/json escapes: the patch's
// test operation must still match what the server stored.
const reasonWithEscapes = `Job failed: exit code > 0 & <oom> "again"`

// retrying creates a backup with n retry records, as its operator writes
// it (v1: status in the object; v2: through the status subresource), and
// deletes it after the test.
func retrying(t *testing.T, group, name, phase string, n int) *unstructured.Unstructured {
	t.Helper()
	return createRetrying(t, group, nsFor(group), name, phase, n)
}

// retryingIn is retrying in another namespace.
func retryingIn(t *testing.T, group, ns, name string, n int) *unstructured.Unstructured {
	t.Helper()
	return createRetrying(t, group, ns, name, "RetryFailed", n)
}

func createRetrying(t *testing.T, group, ns, name, phase string, n int) *unstructured.Unstructured {
	t.Helper()
	ctx := context.Background()
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	var recs []backup.RetryRecord
	for i := 1; i <= n; i++ {
		detected := start.Add(time.Duration(i) * 10 * time.Minute)
		expected := detected.Add(5 * time.Minute)
		r := backup.RetryRecord{RetryNum: i, DetectFailedAt: &detected, ExpectedRetryAt: &expected,
			RetryReason: "Job " + ns + "/backup-" + name + " failed", OriginalReason: "OOMKilled"}
		if i < n {
			r.RealRetryAt = &expected
		} else {
			r.RetryReason = reasonWithEscapes
		}
		recs = append(recs, r)
	}
	u, err := s.env.CreateBackup(ctx, fixtures.Backup{Group: group, Namespace: ns, Name: name, Mode: "snapshot",
		Phase: phase, Records: recs, Policy: map[string]any{"maxRetryTimes": int64(3), "retryTimeout": "2h"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.env.Dynamic.Resource(fixtures.GVR(group)).Namespace(ns).Delete(ctx, name, metav1.DeleteOptions{})
	})
	return u
}

// getBackup reads a backup of the reset tests' namespaces.
func getBackup(t *testing.T, group, name string) *unstructured.Unstructured {
	t.Helper()
	return getBackupIn(t, group, nsFor(group), name)
}

func getBackupIn(t *testing.T, group, ns, name string) *unstructured.Unstructured {
	t.Helper()
	u, err := s.env.Dynamic.Resource(fixtures.GVR(group)).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// stored reads status.backoffRetryStatus as the API server keeps it.
func stored(t *testing.T, group, name string) []any {
	t.Helper()
	return storedIn(t, group, nsFor(group), name)
}

func storedIn(t *testing.T, group, ns, name string) []any {
	t.Helper()
	recs, _, err := unstructured.NestedSlice(getBackupIn(t, group, ns, name).Object, "status", "backoffRetryStatus")
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// mustHaveRecords fails unless the backup holds exactly n records.
func mustHaveRecords(t *testing.T, group, name string, n int) {
	t.Helper()
	if got := len(stored(t, group, name)); got != n {
		t.Errorf("%s %s/%s has %d retry records, want %d", group, nsFor(group), name, got, n)
	}
}

// appendRecord writes one more record the way the controller does.
func appendRecord(t *testing.T, group, name string) {
	t.Helper()
	editStatus(t, group, name, func(status map[string]any) {
		recs, _ := status["backoffRetryStatus"].([]any)
		detected := time.Now().UTC()
		expected := detected.Add(20 * time.Minute)
		status["backoffRetryStatus"] = append(recs, fixtures.RecordObject(backup.RetryRecord{RetryNum: len(recs) + 1, DetectFailedAt: &detected,
			ExpectedRetryAt: &expected, RetryReason: "appended by the controller", OriginalReason: "OOMKilled"}))
	})
}

// editStatus changes a backup's status as the controller writes it: v1
// updates the whole object, v2 the status subresource.
func editStatus(t *testing.T, group, name string, edit func(status map[string]any)) {
	t.Helper()
	editStatusIn(t, group, nsFor(group), name, edit)
}

// resetEvents are the RetriesReset events of one backup, by its UID.
func resetEvents(t *testing.T, u *unstructured.Unstructured) []corev1.Event {
	t.Helper()
	sel := fields.AndSelectors(fields.OneTermEqualSelector("involvedObject.uid", string(u.GetUID())),
		fields.OneTermEqualSelector("reason", "RetriesReset")).String()
	list, err := s.env.Kube.CoreV1().Events(u.GetNamespace()).List(context.Background(), metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}
