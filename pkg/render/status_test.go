package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/fleet"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Every cell and line of the status view comes from the cluster: none may
// reach the terminal raw, and a newline may not make a row of its own.
func TestStatusDrawsClusterTextInert(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	evil := "x\x1b]52;c;aGk=\x07\u202e\nFAKE ROW\r"
	due := now.Add(time.Hour)
	st := fleet.NewStatus(now)
	st.Add(fleet.Row{Context: evil, Namespace: evil, Name: evil, Group: backup.GroupV1, Operator: "v1", Mode: evil, LogSubcommand: evil,
		Phase: evil, State: fleet.Retrying, LastFailure: evil, Created: now.Add(-time.Hour),
		Retry:     backup.RetryState{Used: 1, Allowed: 2, Retrying: true, Pending: &backup.RetryRecord{RetryNum: 1, ExpectedRetryAt: &due}},
		Condition: &backup.Condition{Type: evil, Reason: evil, Message: evil}, Verdict: report.Finding{Summary: evil}}, true)
	st.Errors = []fleet.Problem{{Context: evil, Message: evil}}
	st.Notes = []fleet.Problem{{Group: evil, Message: evil}}
	var buf bytes.Buffer
	if err := Status(&buf, st, StatusOptions{Wide: true, AllNamespaces: true, Contexts: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsAny(out, "\x1b\x07\r\u202e") {
		t.Errorf("raw control characters in:\n%q", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 { // header, row, error, note, summary
		t.Errorf("%d lines, want 5:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "FAKE ROW") {
			t.Errorf("a value made a line of its own:\n%s", out)
		}
	}
	if !strings.Contains(lines[1], "retry 1 in 60m") || lines[4] != "1 backup: 1 retrying." {
		t.Errorf("row or summary:\n%s", out)
	}
}

func TestStatusSummaryWhenEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := Status(&buf, fleet.NewStatus(time.Now()), StatusOptions{Namespace: "tidb"}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "No backups found in namespace tidb.\n" {
		t.Errorf("%q", got)
	}
}

// A watch's appended rows wait for rows before the header (sized by
// them), and a batch comes most urgent first.
func TestStatusStreamBatches(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	s := NewStatusStream(&buf, StatusOptions{})
	if err := s.Write(nil, now); err != nil || buf.Len() != 0 {
		t.Fatalf("an empty batch drew %q (%v)", buf.String(), err)
	}
	rows := []fleet.Change{
		{Type: fleet.Added, Row: fleet.Row{Name: "fine-and-long-name", State: fleet.Healthy}},
		{Type: fleet.Added, Row: fleet.Row{Name: "bad", State: fleet.Exhausted}},
	}
	if err := s.Write(rows, now); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "bad ") || strings.Index(lines[0], "STATE") != strings.Index(lines[1], "Exhausted") || strings.Index(lines[2], "Healthy") != strings.Index(lines[1], "Exhausted") {
		t.Errorf("batch:\n%s", buf.String())
	}
}
