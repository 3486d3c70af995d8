package render

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// sampleTimeline is what timeline.Build makes of a retried backup (made by
// hand: the view must not depend on how it was built).
func sampleTimeline() *report.Timeline {
	late := now.Add(-29 * time.Minute)
	return &report.Timeline{
		GeneratedAt: now,
		Groups: []report.TimelineGroup{
			{Title: "first run", Entries: []report.TimelineEntry{
				{At: now.Add(-70 * time.Minute), Source: report.SourceBackup, Object: "Backup/nightly", What: "Backup created"},
				{At: now.Add(-69 * time.Minute), Source: report.SourceEvent, Object: "Backup/nightly", What: "Normal SuccessfulCreate", Detail: "create job tidb/backup-nightly successful"},
			}},
			{Title: "retry #1", Retry: 1, From: now.Add(-60 * time.Minute), Entries: []report.TimelineEntry{
				{At: now.Add(-60 * time.Minute), Source: report.SourceRetry, Object: "Backup/nightly", What: "retry #1: failure detected", Detail: "reason: Job backup-nightly has failed; original reason: BackoffLimitExceeded"},
				{At: now.Add(-55 * time.Minute), Source: report.SourceRetry, Object: "Backup/nightly", What: "retry #1 due"},
				{At: late, Source: report.SourceRetry, Object: "Backup/nightly", What: "retry #1 started (26 minutes late)"},
				{At: now.Add(-20 * time.Minute), Source: report.SourcePod, Object: "Pod/backup-nightly-7xq2m", What: "container backup terminated: OOMKilled, exit code 137, memory limit 512Mi"},
				{At: now.Add(-19 * time.Minute), Source: report.SourceController, What: "controller log line", Detail: "I1125 09:41:00.000000 299 x.go:1] Backup: [tidb/nightly] failed"},
			}},
			{Title: "retry #2 (pending)", Retry: 2, From: now.Add(-10 * time.Minute), Entries: []report.TimelineEntry{
				{At: now.Add(-10 * time.Minute), Source: report.SourceRetry, Object: "Backup/nightly", What: "retry #2: failure detected"},
				{At: now.Add(10 * time.Minute), Source: report.SourceRetry, Object: "Backup/nightly", What: "retry #2 due"},
			}},
		},
		Gaps:  []report.TimelineGap{{What: "retry #1 due 09:05, started 09:31: 26 minutes late", Due: now.Add(-55 * time.Minute), At: &late, Late: backup.Duration(26 * time.Minute)}},
		Notes: []string{"events: no events: the API server keeps events for about an hour"},
	}
}

func TestTimelineGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Timeline(&buf, sampleTimeline(), Options{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "timeline.txt", buf.Bytes())
}

// In investigate's view the timeline follows the diagnosis; without one
// the view is what it was.
func TestInvestigationPlacesTheTimeline(t *testing.T) {
	r := sample()
	var plain bytes.Buffer
	if err := Investigation(&plain, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "Timeline") {
		t.Error("a timeline drawn without being asked")
	}
	r.Timeline = sampleTimeline()
	var buf bytes.Buffer
	if err := Investigation(&buf, r, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	d, tl, h := strings.Index(out, "\nDiagnosis"), strings.Index(out, "\nTimeline (UTC, 2026-11-25;"), strings.Index(out, "\nRetry history")
	if d < 0 || tl < d || h < tl {
		t.Errorf("want Diagnosis, Timeline, Retry history in that order (%d %d %d):\n%s", d, tl, h, out)
	}
	var alone bytes.Buffer
	if err := Timeline(&alone, r.Timeline, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, alone.String()) {
		t.Errorf("the section in investigate differs from the timeline alone:\n%s", alone.String())
	}
}

// Entries over more than one day carry their dates; relative times say
// "ago" or "in".
func TestTimelineDates(t *testing.T) {
	tl := sampleTimeline()
	tl.Groups[0].Entries[0].At = now.Add(-50 * time.Hour)
	var buf bytes.Buffer
	if err := Timeline(&buf, tl, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"Timeline (UTC; oldest first", "2026-11-23 08:00:00  2d2h ago", "2026-11-25 10:10:00  in 10m", "retry #1, from 2026-11-25 09:00:00"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
}

// Every string of a timeline, whatever field it is in, reaches the
// terminal inert, and columns stay aligned on what the terminal shows.
func TestTimelineHostileText(t *testing.T) {
	tl := sampleTimeline()
	fillStrings(reflect.ValueOf(tl), hostileText)
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		if err := Timeline(&buf, tl, Options{Color: color}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if color {
			out = regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(out, "")
		}
		for _, line := range strings.Split(out, "\n") {
			if text.Clean(line) != line {
				t.Fatalf("colour %v: a raw control character in %q", color, line)
			}
		}
		if !strings.Contains(out, `\x1b[2J`) || strings.Count(out, "\n") > 40 {
			t.Errorf("the hostile text is not shown escaped on its own lines:\n%s", out)
		}
	}
}

func TestTimelineColour(t *testing.T) {
	var buf bytes.Buffer
	if err := Timeline(&buf, sampleTimeline(), Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\x1b[33m!\x1b[0m retry #1 due") || !strings.Contains(buf.String(), "\x1b[1mretry #1, from 09:00:00\x1b[0m") {
		t.Errorf("no colour:\n%q", buf.String())
	}
}
