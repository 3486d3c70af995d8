package reset

import (
	"bytes"
	"strings"
	"testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
)

func TestResultJSONAndYAML(t *testing.T) {
	r := NewResult("none")
	out := r.Add(backup.Ref{Namespace: "ns", Name: "a"}, nil)
	out.Outcome = OutcomeDeclined
	for format, wants := range map[string][]string{
		"yaml": {"kind: RetryReset", "apiVersion: " + output.APIVersion, "outcome: declined", "dryRun: none"},
		"json": {`"kind": "RetryReset"`, `"apiVersion": "` + output.APIVersion + `"`, `"outcome": "declined"`, `"dryRun": "none"`},
	} {
		var buf bytes.Buffer
		if err := output.Print(&buf, format, r); err != nil {
			t.Fatal(err)
		}
		for _, want := range wants {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("%s lacks %q:\n%s", format, want, buf.String())
			}
		}
	}
	if r.Changed() {
		t.Error("a declined reset counts as a change")
	}
	out.Outcome = OutcomeReset
	if !r.Changed() {
		t.Error("a reset is not a change")
	}
}
