package render

import (
	"io"
	"os"

	"golang.org/x/term"
)

// ColorEnabled: colour only on a terminal, and never when NO_COLOR is set
// (https://no-color.org) or TERM is dumb. getenv is injected for tests.
func ColorEnabled(w io.Writer, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// IsTerminal: w is a terminal that can be redrawn (a watch clears and
// redraws its table there, and appends lines anywhere else).
func IsTerminal(w io.Writer, getenv func(string) string) bool {
	if getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
