package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Dash stands in for an empty value in a table or a line.
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Plural counts: "1 record", "2 records".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// OneLine folds white space so a message fits its row: every run of white
// space (unicode.IsSpace, as strings.Fields: tabs, newlines, carriage
// returns, U+0085, U+00A0, U+2028, U+2029, the other Unicode spaces) becomes
// one ASCII space, leading and trailing white space goes, and the result is
// passed through Clean. The result never holds a tab, a newline or a
// carriage return.
func OneLine(s string) string {
	if needsFold(s) {
		s = strings.Join(strings.Fields(s), " ")
	}
	return Clean(s)
}

// needsFold reports whether strings.Fields and a join with single spaces
// would change s: any white space other than single interior ASCII spaces.
func needsFold(s string) bool {
	prevSpace := true // a space at the start needs folding
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' {
				if prevSpace {
					return true
				}
				prevSpace = true
			} else if asciiSpace(c) {
				return true
			} else {
				prevSpace = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return true
		}
		prevSpace = false
		i += size
	}
	return prevSpace && s != "" // trailing space
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// Clean makes text from the cluster (log lines, event and condition
// messages, error messages) safe to print on a terminal: a pod can log
// escape sequences that would recolour or rewrite the screen of the person
// reading it, and bidi or other invisible format characters can make a line
// read as something it is not. Tab is the only control character kept.
//
// Escaped, so that the output never holds them raw:
//
//   - C0 controls U+0000–U+001F except tab (newline and carriage return
//     included), DEL U+007F and C1 controls U+0080–U+009F: \xNN, two lower
//     case hex digits ("\x1b", "\x0a", "\x9b");
//   - every format character (Unicode category Cf: the bidi controls
//     U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, zero width
//     U+200B–U+200D, U+2060–U+2064, U+FEFF, soft hyphen U+00AD, U+FFF9–U+FFFB,
//     tag characters U+E0001–U+E007F, …), the line and paragraph separators
//     U+2028 and U+2029, and the noncharacters (U+FDD0–U+FDEF and the last
//     two code points of every plane, U+FFFE, U+FFFF, …): \uNNNN with four
//     lower case hex digits, or \UNNNNNNNN with eight above U+FFFF
//     ("\u202e", "\U000e0001");
//   - each byte that is not part of valid UTF-8: \xNN ("\xff").
//
// Everything else stays as it is: letters of any script, emoji, marks,
// ordinary and Unicode spaces, and backslashes. Backslashes are not doubled,
// so the input text `\x1b` and an escaped ESC print alike; that keeps
// ordinary backslashes (JSON, Windows paths) readable and makes Clean
// idempotent: Clean(Clean(s)) == Clean(s). A C1 control and a stray byte of
// the same value also print alike (U+009B and the lone byte 0x9b are both
// "\x9b"). The output is always valid UTF-8.
//
// When nothing needs escaping s is returned as it is, without allocating.
func Clean(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' || c == 0x7f {
				return clean(s, i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if size == 1 || needsEscape(r) { // size 1 with c >= 0x80: invalid UTF-8
			return clean(s, i)
		}
		i += size
	}
	return s
}

// clean escapes s from byte i on, s[:i] being known clean.
func clean(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' || c == 0x7f {
				writeHex(&b, `\x`, uint32(c), 2)
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case size == 1:
			writeHex(&b, `\x`, uint32(c), 2) // invalid UTF-8 byte
		case !needsEscape(r):
			b.WriteString(s[i : i+size])
		case r < 0xa0:
			writeHex(&b, `\x`, uint32(r), 2) // C1
		case r <= 0xffff:
			writeHex(&b, `\u`, uint32(r), 4)
		default:
			writeHex(&b, `\U`, uint32(r), 8)
		}
		i += size
	}
	return b.String()
}

const hexDigits = "0123456789abcdef"

func writeHex(b *strings.Builder, prefix string, v uint32, digits int) {
	b.WriteString(prefix)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[v>>uint(shift)&0xf])
	}
}

// needsEscape is the one list of runes Clean escapes (see Clean); invalid
// UTF-8 is handled by the callers, which see the byte.
func needsEscape(r rune) bool {
	if r < 0xa0 {
		// C0 but tab, DEL, C1.
		return r < 0x20 && r != '\t' || r >= 0x7f
	}
	switch {
	case r == 0x2028 || r == 0x2029: // Zl, Zp
		return true
	case r >= 0xfdd0 && r <= 0xfdef, r&0xfffe == 0xfffe: // noncharacters
		return true
	}
	return unicode.Is(unicode.Cf, r)
}
