package render

import (
	"fmt"
	"io"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// LogOptions tune the `logs` view.
type LogOptions struct {
	Color      bool // a colour per source; the caller decides (TTY, NO_COLOR)
	Timestamps bool // the time the kubelet recorded, after the label
}

// LogView draws the lines of several logs, each labelled with its source
// ("[controller NS/POD]", "[pod NS/POD]") and escaped and redacted like
// every log line.
type LogView struct {
	p          *printer
	timestamps bool
	colors     map[string]string
	carries    map[string]*text.Carry // per source: a credential may span lines
}

// sourceColor gives the i-th source to appear its colour, in a cycle.
func sourceColor(i int) string {
	return [...]string{cyan, yellow, "32", "35", "34"}[i%5]
}

// NewLogView draws to w.
func NewLogView(w io.Writer, o LogOptions) *LogView {
	return &LogView{p: newPrinter(w, Options{Color: o.Color}, time.Time{}), timestamps: o.Timestamps, colors: map[string]string{}, carries: map[string]*text.Carry{}}
}

// Line draws one line of source, and returns the first write error.
func (v *LogView) Line(source string, at time.Time, line string) error {
	code, ok := v.colors[source]
	if !ok {
		code = sourceColor(len(v.colors))
		v.colors[source] = code
		v.carries[source] = new(text.Carry)
	}
	label := v.p.paint(code, "["+safe(source)+"]")
	if v.timestamps {
		stamp := "-" // a line the kubelet gave no time
		if !at.IsZero() {
			stamp = at.UTC().Format(time.RFC3339Nano)
		}
		v.p.f("%s %s ", label, stamp)
	} else {
		v.p.f("%s ", label)
	}
	v.p.logText(v.carries[source].Hide(line))
	return v.p.err
}

// LogNote draws one line about a source (skipped, cut, ended, stopped),
// for stderr, so that stdout holds only log lines.
func LogNote(w io.Writer, source, msg string) error {
	p := newPrinter(w, Options{}, time.Time{})
	if source != "" {
		p.f("note: [%s] %s\n", source, msg)
	} else {
		p.f("note: %s\n", msg)
	}
	return p.err
}

// logText ends a line with the text of a log line, escaped and redacted
// as printer.line draws it.
func (p *printer) logText(s string) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, "%s\n", text.Clean(text.Redact(s)))
	}
}
