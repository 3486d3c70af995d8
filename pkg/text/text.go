// Package text holds the small string helpers every renderer needs, so
// that text output looks and behaves the same in each command.
package text

import (
	"fmt"
	"strings"
)

// Dash stands in for an empty value in a table or a line.
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// OneLine folds white space, newlines included, so a message fits its row;
// the control characters left are made visible (see Clean).
func OneLine(s string) string { return Clean(strings.Join(strings.Fields(s), " ")) }

// Plural counts: "1 record", "2 records".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Clean makes text from the cluster (log lines, event and condition
// messages) safe to print on a terminal: a pod can log escape sequences
// that would recolour or rewrite the screen of the person reading it.
// Control characters other than tab become \xNN; everything else stays.
func Clean(s string) string {
	clean := true
	for _, r := range s {
		if isControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&b, `\x%02x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool {
	return r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0))
}
