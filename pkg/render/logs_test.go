package render

import (
	"strings"
	"testing"
	"time"
)

func TestLogViewLabelsEscapesAndRedacts(t *testing.T) {
	var b strings.Builder
	v := NewLogView(&b, LogOptions{})
	at := time.Date(2026, 11, 25, 10, 0, 1, 500, time.UTC)
	_ = v.Line("pod ns/backup-x", at, "hello \x1b[31mred\x1b[0m\u202e token=abc123secret")
	if err := v.Line("controller tidb-admin/c\x1b]0;x\x07", at, "second"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %q", len(lines), b.String())
	}
	if !strings.HasPrefix(lines[0], "[pod ns/backup-x] hello ") || strings.ContainsAny(b.String(), "\x1b\x07\u202e") || strings.Contains(lines[0], "abc123secret") {
		t.Errorf("not labelled, escaped and redacted: %q", lines)
	}
	if !strings.HasPrefix(lines[1], `[controller tidb-admin/c\x1b]0;x\x07] second`) {
		t.Errorf("label not escaped: %q", lines[1])
	}
}

func TestLogViewTimestampsAndColour(t *testing.T) {
	var b strings.Builder
	v := NewLogView(&b, LogOptions{Color: true, Timestamps: true})
	at := time.Date(2026, 11, 25, 10, 0, 1, 500, time.UTC)
	_ = v.Line("pod a", at, "one")
	_ = v.Line("pod b", time.Time{}, "two")
	_ = v.Line("pod a", at, "three")
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if lines[0] != "\x1b[36m[pod a]\x1b[0m 2026-11-25T10:00:01.0000005Z one" {
		t.Errorf("line 1: %q", lines[0])
	}
	if lines[1] != "\x1b[33m[pod b]\x1b[0m - two" || !strings.HasPrefix(lines[2], "\x1b[36m[pod a]") {
		t.Errorf("a colour per source: %q", lines[1:])
	}
	var plain strings.Builder
	_ = NewLogView(&plain, LogOptions{}).Line("pod a", at, "x")
	if strings.Contains(plain.String(), "\x1b") {
		t.Errorf("colour without Color: %q", plain.String())
	}
}

func TestLogNote(t *testing.T) {
	var b strings.Builder
	_ = LogNote(&b, "pod ns/p", "log ended:\nterminated")
	_ = LogNote(&b, "", "controller not found")
	if b.String() != "note: [pod ns/p] log ended: terminated\nnote: controller not found\n" {
		t.Errorf("%q", b.String())
	}
}

// Each source carries its own state: a PEM key's body is hidden in its
// source, and another source's lines between are kept.
func TestLogViewHidesCredentialsAcrossLines(t *testing.T) {
	var b strings.Builder
	v := NewLogView(&b, LogOptions{})
	_ = v.Line("pod a", time.Time{}, "-----BEGIN PRIVATE KEY-----")
	_ = v.Line("pod b", time.Time{}, "MIIBkeep")
	_ = v.Line("pod a", time.Time{}, "MIIEvQhunter2")
	_ = v.Line("pod a", time.Time{}, "-----END PRIVATE KEY-----")
	_ = v.Line("pod a", time.Time{}, "after")
	if out := b.String(); strings.Contains(out, "hunter2") || !strings.Contains(out, "MIIBkeep") || !strings.Contains(out, "after") {
		t.Errorf("got %q", out)
	}
}
