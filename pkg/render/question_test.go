package render

import (
	"testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/reset"
)

func TestQuestion(t *testing.T) {
	plan := func(name string, n int) *reset.Plan {
		return &reset.Plan{Target: backup.Ref{Namespace: "ns", Name: name}, Records: make([]backup.RetryRecord, n)}
	}
	one := []*reset.Plan{plan("a", 1)}
	if q := ResetQuestion(one); q != "Remove 1 retry record from ns/a?" {
		t.Errorf("one: %q", q)
	}
	two := append(one, plan("b", 3))
	if q := ResetQuestion(two); q != "Remove 4 retry records from 2 backups (ns/a: 1, ns/b: 3)?" {
		t.Errorf("two: %q", q)
	}
}
