package report

import (
	"reflect"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// The printers may copy the report; the copy must be equal and separate.
func TestDeepCopyObject(t *testing.T) {
	r := New(backup.Ref{Namespace: "ns", Name: "b"}, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	r.Diagnosis = []Finding{{Severity: Critical, Summary: "s", Next: "n"}}
	r.Events.Error = "forbidden"
	c, ok := r.DeepCopyObject().(*Report)
	if !ok || !reflect.DeepEqual(c, r) {
		t.Fatalf("copy differs:\n%#v\n%#v", c, r)
	}
	c.Diagnosis[0].Summary = "changed"
	if r.Diagnosis[0].Summary != "s" {
		t.Error("the copy shares the original's slices")
	}
}
