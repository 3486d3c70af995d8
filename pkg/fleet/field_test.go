package fleet

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
	fx "github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// A row made from the slim object (status, watch) gives the field
// diagnoses' verdict: the fields they read survive slimming.
func TestRowsGiveTheFieldVerdicts(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	cases := fx.FieldCases("field", now)
	for name, want := range map[string]string{
		fx.TrackingLost: "stopped tracking",
		fx.Stalled:      "no progress for",
		fx.ErrorPaused:  "BR paused the log backup task",
		fx.Deleting:     "held by its finalizers",
	} {
		u, _, err := fx.Object(cases[name])
		if err != nil {
			t.Fatal(err)
		}
		if name == fx.Deleting {
			if err := unstructured.SetNestedField(u.Object, now.Add(-time.Hour).Format(time.RFC3339), "metadata", "deletionTimestamp"); err != nil {
				t.Fatal(err)
			}
		}
		slim, _ := backupapi.Slim(u)
		b, err := backup.FromUnstructured(slim.(*unstructured.Unstructured))
		if err != nil {
			t.Fatal(err)
		}
		row := NewRow(b, false, now, diagnose.Options{CheckpointLag: diagnose.DefaultCheckpointLag})
		if !strings.Contains(row.Verdict.Summary, want) || row.State == Healthy {
			t.Errorf("%s: %s %q, want %q", name, row.State, row.Verdict.Summary, want)
		}
	}
}
