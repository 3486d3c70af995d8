package render

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Timeline draws a report's timeline on its own (a report bundle's
// timeline.txt); investigate draws the same section inside its view.
func Timeline(w io.Writer, tl *report.Timeline, o Options) error {
	p := newPrinter(w, o, tl.GeneratedAt)
	timelineSection(p, tl)
	return p.err
}

// timelineSection: one heading, each group with its entries in columns
// aligned across groups (time, how long before the report, source,
// object, what; the detail on the line below), then the gaps and notes.
// Every cell is made safe before it is measured, so padding counts what
// the terminal shows.
func timelineSection(p *printer, tl *report.Timeline) {
	layout, scope := "15:04:05", "UTC, "+tl.GeneratedAt.UTC().Format(time.DateOnly)
	if tl.SpansDays() {
		layout, scope = "2006-01-02 15:04:05", "UTC"
	}
	p.heading(fmt.Sprintf("Timeline (%s; oldest first, grouped by cause; each entry names its source)", scope))
	if len(tl.Groups) == 0 {
		p.f("  nothing dated\n")
	}
	var rows [][]string
	for _, g := range tl.Groups {
		for _, e := range g.Entries {
			rows = append(rows, []string{e.At.UTC().Format(layout), relative(p.now, e.At), safe(e.Source), safe(e.Object), safe(e.What)})
		}
	}
	widths := make([]int, 4)
	for _, r := range rows {
		for c := range widths {
			widths[c] = max(widths[c], utf8.RuneCountInString(r[c]))
		}
	}
	row := 0
	for _, g := range tl.Groups {
		title := g.Title
		if !g.From.IsZero() {
			title += ", from " + g.From.UTC().Format(layout)
		}
		p.f("  %s\n", p.paint(bold, title))
		for _, e := range g.Entries {
			var b strings.Builder
			for c, v := range rows[row] {
				b.WriteString(v)
				if c < len(widths) {
					b.WriteString(strings.Repeat(" ", widths[c]-utf8.RuneCountInString(v)+2))
				}
			}
			p.f("    %s\n", styled(strings.TrimRight(b.String(), " ")))
			if e.Detail != "" {
				p.f("    %s%s\n", styled(strings.Repeat(" ", widths[0]+widths[1]+4)), e.Detail)
			}
			row++
		}
	}
	if len(tl.Gaps) > 0 {
		p.f("  %s\n", p.paint(bold, "Gaps"))
		for _, g := range tl.Gaps {
			p.f("    %s %s\n", p.paint(yellow, "!"), g.What)
		}
	}
	if len(tl.Notes) > 0 {
		p.f("  %s\n", p.paint(bold, "Notes"))
		for _, n := range tl.Notes {
			p.f("    - %s\n", n)
		}
	}
}

// relative is "5m ago" or, for a time after the report (a retry due),
// "in 5m".
func relative(now, t time.Time) string {
	if t.After(now) {
		return "in " + duration.HumanDuration(t.Sub(now))
	}
	return duration.HumanDuration(now.Sub(t)) + " ago"
}
