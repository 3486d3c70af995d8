package text

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// forbidden is the test's own statement of what Clean must never let
// through, written apart from needsEscape: the Unicode categories Cc (C0,
// DEL, C1), Cf, Zl and Zp, and the noncharacters, tab excepted.
func forbidden(r rune) bool {
	if r == '\t' {
		return false
	}
	if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
		return true
	}
	return r >= 0xfdd0 && r <= 0xfdef || r%0x10000 == 0xfffe || r%0x10000 == 0xffff
}

// refClean is a slow, plain statement of Clean's output format.
func refClean(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case !forbidden(r):
			b.WriteString(s[:n])
		case r < 0xa0:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		s = s[n:]
	}
	return b.String()
}

// checkSafe fails unless out is valid UTF-8 with no forbidden rune.
func checkSafe(t *testing.T, what, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s(%q) = %q: not valid UTF-8", what, in, out)
	}
	for i, r := range out {
		if forbidden(r) {
			t.Fatalf("%s(%q) = %q: raw %U at %d", what, in, out, r, i)
		}
	}
}

var cleanSeeds = []string{
	"",
	"plain",
	"\x1b[2J\x1b[H",
	"\x1b]8;;http://x\x07link\x1b]8;;\x07",
	"\x1b]0;title\x07",
	"\u202e",
	"abc\u202egnp.exe",
	"\xc2\x9b",
	"\xff",
	"\xc0\xaf",
	"\xed\xa0\x80",
	"\xe2\x82",
	"\xf4\x90\x80\x80",
	"\U000e0001\U000e0041",
	"\ufeff\u00ad\u200b\u2028\u2029\ufffe\uffff",
	"tab\there\r\nnext\u0085nel\u00a0nbsp",
	`literal \x1b and \u202e`,
	"  spaces   inside  ",
	"中文 🙂 café",
}

func FuzzClean(f *testing.F) {
	for _, s := range cleanSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		checkSafe(t, "Clean", s, c)
		if want := refClean(s); c != want {
			t.Fatalf("Clean(%q) = %q, reference gives %q", s, c, want)
		}
		if again := Clean(c); again != c {
			t.Fatalf("Clean(Clean(%q)) = %q, not %q", s, again, c)
		}
		if utf8.ValidString(s) && !strings.ContainsFunc(s, forbidden) && c != s {
			t.Fatalf("Clean(%q) = %q changed a safe string", s, c)
		}

		o := OneLine(s)
		checkSafe(t, "OneLine", s, o)
		if strings.ContainsAny(o, "\t\n\r") {
			t.Fatalf("OneLine(%q) = %q holds a tab or a line end", s, o)
		}
		if strings.Contains(o, "  ") || strings.HasPrefix(o, " ") || strings.HasSuffix(o, " ") {
			t.Fatalf("OneLine(%q) = %q: spaces not folded", s, o)
		}
		for _, r := range o {
			if r != ' ' && unicode.IsSpace(r) {
				t.Fatalf("OneLine(%q) = %q holds %U", s, o, r)
			}
		}
		if want := refClean(strings.Join(strings.Fields(s), " ")); o != want {
			t.Fatalf("OneLine(%q) = %q, want %q", s, o, want)
		}
		if again := OneLine(o); again != o {
			t.Fatalf("OneLine(OneLine(%q)) = %q, not %q", s, again, o)
		}
	})
}
