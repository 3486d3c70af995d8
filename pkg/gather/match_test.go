package gather

import (
	"fmt"
	"strings"
	"testing"
)

func TestScanLinesKeepsTheLastMatches(t *testing.T) {
	var b strings.Builder
	for i := range 1000 {
		if i%10 == 0 {
			b.WriteString("hit ")
		}
		b.WriteString("line\n")
	}
	b.WriteString("hit without newline")
	s, err := scanLines(strings.NewReader(b.String()), noLimit, 3, false, func(l []byte) bool { return strings.HasPrefix(string(l), "hit") })
	if err != nil {
		t.Fatal(err)
	}
	if s.scanned != 1001 || s.matched != 101 {
		t.Errorf("scanned %d matched %d, want 1001 and 101", s.scanned, s.matched)
	}
	want := []string{"hit line", "hit line", "hit without newline"}
	if strings.Join(s.texts(), "|") != strings.Join(want, "|") {
		t.Errorf("lines = %q, want %q", s.texts(), want)
	}
}

// A line longer than the reader's buffer keeps its start and its end,
// where br writes the error, and says how much was cut.
func TestScanLinesCutsOverlongLines(t *testing.T) {
	long := "START " + strings.Repeat("x", 3<<20) + " Error: AccessDenied at the end"
	s, err := scanLines(strings.NewReader("a\n"+long+"\nb\n"), noLimit, 10, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := s.texts()
	if s.scanned != 3 || len(lines) != 3 || lines[0] != "a" || lines[2] != "b" {
		t.Fatalf("got %d lines: %.40q", s.scanned, lines)
	}
	kept := lines[1]
	if !strings.HasPrefix(kept, "START ") || !strings.HasSuffix(kept, " Error: AccessDenied at the end") {
		t.Errorf("long line lost its start or its end: %.60q ... %q", kept, kept[len(kept)-60:])
	}
	cut := len(long) - strings.Count(kept, "x") - len("START ") - len(" Error: AccessDenied at the end")
	if !strings.Contains(kept, fmt.Sprintf("[%d bytes cut]", cut)) || len(kept) > MaxLineBytes+64 {
		t.Errorf("long line kept %d bytes without the marker of %d bytes cut", len(kept), cut)
	}
	if s.bytes != int64(len(long)+5) {
		t.Errorf("bytes = %d, want %d", s.bytes, len(long)+5)
	}
}

func TestScanLinesParsesTimestamps(t *testing.T) {
	in := "2026-11-25T10:00:01.000000000Z first\nno-timestamp line\n2026-11-25T10:00:02.500000000Z second one\n"
	s, err := scanLines(strings.NewReader(in), noLimit, 10, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.lines) != 3 || s.lines[0].Text != "first" || s.lines[2].Text != "second one" || s.lines[1].Text != "no-timestamp line" {
		t.Fatalf("lines: %+v", s.lines)
	}
	if s.lines[2].At.UnixMilli()-s.lines[0].At.UnixMilli() != 1500 || !s.lines[1].At.IsZero() {
		t.Errorf("times: %+v", s.lines)
	}
}
