package render

import (
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// ANSI SGR codes.
const (
	bold   = "1"
	red    = "31"
	yellow = "33"
	cyan   = "36"
)

// paint colours text of this package's own (a label, a padded column),
// escaped all the same: only the colour codes reach the terminal raw.
func (p *printer) paint(code, s string) styled {
	s = text.Clean(s)
	if !p.color {
		return styled(s)
	}
	return styled("\x1b[" + code + "m" + s + "\x1b[0m")
}

func severityColor(s report.Severity) string {
	switch s {
	case report.Critical:
		return red
	case report.Warning:
		return yellow
	}
	return cyan
}
