package render

import "github.com/logbackup/kubectl-logbackup/pkg/report"

// ANSI SGR codes.
const (
	bold   = "1"
	red    = "31"
	yellow = "33"
	cyan   = "36"
)

// paint colours text, which is escaped first: only the colour codes
// themselves reach the terminal raw.
func (p *printer) paint(code, s string) styled {
	s = safeArg(s).(string)
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
