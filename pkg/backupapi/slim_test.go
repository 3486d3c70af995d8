package backupapi

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// A status whose keys the slim copy does not keep is still a status:
// status (slim rows) and investigate (whole objects) must agree on "no
// status"; an empty status is absent in both.
func TestSlimKeepsThatAStatusExists(t *testing.T) {
	for name, tc := range map[string]struct {
		status any
		absent bool
	}{
		"other keys only": {map[string]any{"timeStarted": "2026-11-30T10:00:00Z", "backupPath": "s3://b/p"}, false},
		"empty":           {map[string]any{}, true},
		"with a phase":    {map[string]any{"phase": "Running"}, false},
	} {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "pingcap.com/v1alpha1", "kind": "Backup",
			"metadata": map[string]any{"name": "x", "namespace": "ns", "creationTimestamp": "2026-11-30T09:00:00Z"},
			"spec":     map[string]any{"backupMode": "snapshot"},
			"status":   tc.status,
		}}
		whole, err := backup.FromUnstructured(u)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Slim(u.DeepCopy())
		if err != nil {
			t.Fatal(err)
		}
		slim, err := backup.FromUnstructured(s.(*unstructured.Unstructured))
		if err != nil {
			t.Fatal(err)
		}
		if whole.StatusAbsent != tc.absent || slim.StatusAbsent != tc.absent || len(slim.Invalid) != 0 {
			t.Errorf("%s: whole absent %v, slim absent %v (invalid %v), want %v", name, whole.StatusAbsent, slim.StatusAbsent, slim.Invalid, tc.absent)
		}
	}
}
