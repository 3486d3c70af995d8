// Package render draws every view for a person: investigate's report, the
// reset preview and its outcome. JSON and YAML are pkg/output's.
//
// This is where untrusted text is made safe: every value drawn through the
// printer or a table is escaped (text.Clean) and cut when too long
// (text.Cut), whatever its source, so no view can forget a field. The
// model keeps the raw text.
package render

import (
	"fmt"
	"io"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Options tune the text output.
type Options struct {
	Color bool // ANSI colours; the caller decides (TTY and no NO_COLOR)
}

// Longest values drawn, in bytes: a field in a line, a table cell.
const (
	maxField = 2048
	maxCell  = 512
)

// printer writes lines and keeps the first write error, so view code stays
// a plain sequence of lines.
type printer struct {
	w     io.Writer
	err   error
	color bool
	now   time.Time
}

func newPrinter(w io.Writer, o Options, now time.Time) *printer {
	return &printer{w: w, color: o.Color, now: now}
}

// styled is text this package made (a colour code around safe text); the
// printer draws it as it is.
type styled string

// f formats a line. The format is this package's own; every argument is
// drawn safely: strings, errors and Stringers have credentials redacted,
// are folded to one line (a run of spaces could push text to the start of
// a screen line and pass it off as a line of its own), cut and escaped.
func (p *printer) f(format string, a ...any) {
	if p.err != nil {
		return
	}
	safe := make([]any, len(a))
	for i, v := range a {
		safe[i] = safeArg(v)
	}
	_, p.err = fmt.Fprintf(p.w, format, safe...)
}

func safeArg(v any) any {
	switch x := v.(type) {
	case styled:
		return string(x)
	case string:
		return safe(x)
	case error:
		return safe(x.Error())
	case fmt.Stringer:
		return safe(x.String())
	}
	return v
}

func safe(s string) string { return text.OneLine(text.Cut(text.Redact(s), maxField)) }

// line draws one line of a log as it was written, escaped, with its
// indent and the gutter mark.
func (p *printer) line(s string) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, "  | %s\n", text.Clean(text.Redact(s)))
	}
}

func (p *printer) table(indent string, header []string, rows [][]string) {
	if p.err == nil {
		p.err = table(p.w, indent, header, rows)
	}
}

func (p *printer) heading(title string) {
	p.f("\n%s\n", p.paint(bold, title))
}

// sectionError draws a section's error, if any, and says whether it did.
func (p *printer) sectionError(err string) bool {
	if err == "" {
		return false
	}
	p.f("  %s %s\n", p.paint(red, "error:"), err)
	return true
}
