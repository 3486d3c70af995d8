package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/stream"
)

func testEvents(now time.Time) []stream.Event {
	first := now.Add(-20 * time.Minute)
	return []stream.Event{
		{Namespace: "tidb", Backup: stream.BackupRef{Name: "nightly"}, Object: stream.ObjectRef{Kind: "Job", Name: "backup-nightly"},
			Type: "Warning", Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", Count: 3,
			FirstSeen: &first, LastSeen: now.Add(-5 * time.Minute), Retry: true},
		{Namespace: "tidb", Backup: stream.BackupRef{Name: "nightly\x1b[2J"}, Object: stream.ObjectRef{Kind: "Pod", Name: "p\u202eod"},
			Type: "Normal", Reason: "Pulled\r\nFAKE LINE", Message: "token=supersecret \x1b]8;;http://x\x07link\nnext", Count: 1, LastSeen: now},
	}
}

// Every cell is escaped and folded: no control character or bidi
// override reaches the terminal, no line is forged, a credential is hidden.
func TestEventTableIsSafe(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	tab := NewEventTable(&buf, EventOptions{Now: func() time.Time { return now }})
	if err := tab.Write(testEvents(now)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and 2 rows, got:\n%s", out)
	}
	for _, bad := range []string{"\x1b", "\r", "\u202e", "\x07", "supersecret"} {
		if strings.Contains(out, bad) {
			t.Errorf("output holds %q:\n%s", bad, out)
		}
	}
	if !strings.HasPrefix(lines[0], "LAST SEEN") || strings.Contains(lines[0], "NAMESPACE") {
		t.Errorf("header: %q", lines[0])
	}
	if !strings.Contains(lines[1], "5m (x3 over 20m)") || !strings.Contains(lines[1], "BackoffLimitExceeded (retry)") ||
		!strings.Contains(lines[1], "job/backup-nightly") {
		t.Errorf("row: %q", lines[1])
	}
	// Columns line up: MESSAGE starts at the same place in every line.
	col := strings.Index(lines[0], "MESSAGE")
	if !strings.HasPrefix(lines[1][col:], "Job has reached") {
		t.Errorf("columns do not line up:\n%s", out)
	}
}

// A watch adds rows later, under the same header, with the same widths.
func TestEventTableStreams(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	tab := NewEventTable(&buf, EventOptions{AllNamespaces: true, Now: func() time.Time { return now }})
	evs := testEvents(now)
	_ = tab.Write(nil) // an empty list draws nothing, not even the header
	if buf.Len() != 0 {
		t.Fatalf("drew %q for no events", buf.String())
	}
	_ = tab.Write(evs[:1])
	_ = tab.Write(evs[:1])
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAMESPACE") || lines[1] != lines[2] {
		t.Errorf("streamed rows:\n%s", buf.String())
	}
}

// Colour only when asked: Warning red, the retry story yellow.
func TestEventTableColor(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	_ = NewEventTable(&buf, EventOptions{Options: Options{Color: true}, Now: func() time.Time { return now }}).Write(testEvents(now)[:1])
	if !strings.Contains(buf.String(), "\x1b[31mWarning\x1b[0m") || !strings.Contains(buf.String(), "\x1b[33mBackoffLimitExceeded (retry)\x1b[0m") {
		t.Errorf("no colour: %q", buf.String())
	}
}
