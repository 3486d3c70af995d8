package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"plain line", "plain line"},
		{"tab\tstays", "tab\tstays"},
		{"ünïcödé ok, 中文, emoji 🙂, nbsp\u00a0and\u3000ideographic space", "ünïcödé ok, 中文, emoji 🙂, nbsp\u00a0and\u3000ideographic space"},
		{`back\slash \x1b literal`, `back\slash \x1b literal`},
		{"\ufffd valid replacement char stays", "\ufffd valid replacement char stays"},

		// C0, DEL, C1.
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"osc \x1b]0;title\x07 end", `osc \x1b]0;title\x07 end`},
		{"\x1b]8;;http://x\x07link\x1b]8;;\x07", `\x1b]8;;http://x\x07link\x1b]8;;\x07`},
		{"cr\roverwrite", `cr\x0doverwrite`},
		{"new\nline", `new\x0aline`},
		{"nul\x00 bel\x07 bs\x08 vt\x0b ff\x0c us\x1f", `nul\x00 bel\x07 bs\x08 vt\x0b ff\x0c us\x1f`},
		{"del\x7f", `del\x7f`},
		{"c1 \u009b csi", `c1 \x9b csi`},
		{"\xc2\x9b2J", `\x9b2J`},
		{"nel\u0085 \u0080 \u009f", `nel\x85 \x80 \x9f`},

		// Bidi controls.
		{"abc\u202egnp.exe", `abc\u202egnp.exe`},
		{"\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069", `\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069`},

		// Other format characters.
		{"zero\u200bwidth\u200c\u200d", `zero\u200bwidth\u200c\u200d`},
		{"\u2060\u2061\u2062\u2063\u2064", `\u2060\u2061\u2062\u2063\u2064`},
		{"\ufeffbom", `\ufeffbom`},
		{"soft\u00adhyphen", `soft\u00adhyphen`},
		{"\ufff9\ufffa\ufffb", `\ufff9\ufffa\ufffb`},
		{"tag\U000e0001\U000e0041\U000e007f", `tag\U000e0001\U000e0041\U000e007f`},
		{"arabic number sign \u0600", `arabic number sign \u0600`},

		// Line and paragraph separators, noncharacters.
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"\ufffe\uffff\ufdd0\ufdef\U0001fffe\U0010ffff", `\ufffe\uffff\ufdd0\ufdef\U0001fffe\U0010ffff`},

		// Invalid UTF-8: one escape per byte.
		{"lone \xff byte", `lone \xff byte`},
		{"overlong \xc0\xaf slash", `overlong \xc0\xaf slash`},
		{"surrogate \xed\xa0\x80", `surrogate \xed\xa0\x80`},
		{"truncated \xe2\x82", `truncated \xe2\x82`},
		{"stray \x80\x9b", `stray \x80\x9b`},
		{"\xf4\x90\x80\x80 above U+10FFFF", `\xf4\x90\x80\x80 above U+10FFFF`},
	}
	for _, c := range cases {
		got := Clean(c.in)
		if got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
		if again := Clean(got); again != got {
			t.Errorf("Clean not idempotent on %q: %q", got, again)
		}
	}
}

// TestNeedsEscapeNamed checks every rune the brief of Clean names.
func TestNeedsEscapeNamed(t *testing.T) {
	var must []rune
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			must = append(must, r)
		}
	}
	add(0x00, 0x08)
	add(0x0a, 0x1f)
	add(0x7f, 0x9f)
	must = append(must, 0x061c, 0x200e, 0x200f, 0x00ad, 0xfeff, 0x2028, 0x2029, 0xfffe, 0xffff)
	add(0x202a, 0x202e)
	add(0x2066, 0x2069)
	add(0x200b, 0x200d)
	add(0x2060, 0x2064)
	add(0xfff9, 0xfffb)
	must = append(must, 0xe0001)
	add(0xe0020, 0xe007f)
	for _, r := range must {
		if !needsEscape(r) {
			t.Errorf("needsEscape(%U) = false", r)
		}
	}
	for _, r := range []rune{'\t', ' ', 'a', '~', '\\', 0xa0, 0xe9, 0x3000, 0x4e2d, 0x1f642, 0xfe0f, 0x0301, 0xfffd, 0xe000, 0x10fffd} {
		if needsEscape(r) {
			t.Errorf("needsEscape(%U) = true", r)
		}
	}
}

// TestNeedsEscapeAll compares needsEscape with the test's own predicate
// for every scalar value.
func TestNeedsEscapeAll(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // surrogates never come out of decoding
		}
		if needsEscape(r) != forbidden(r) {
			t.Errorf("needsEscape(%U) = %v, test predicate says %v", r, needsEscape(r), forbidden(r))
		}
	}
}

func TestOneLine(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"a b", "a b"},
		{"a\n  b\tc \x1b[0m", `a b c \x1b[0m`},
		{"  lead and trail  ", "lead and trail"},
		{"crlf\r\nline\r\n", "crlf line"},
		{"vt\vff\f", "vt ff"},
		{"nbsp\u00a0nel\u0085ls\u2028ps\u2029em\u2003ideo\u3000x", "nbsp nel ls ps em ideo x"},
		{"\t\n \r", ""},
		{"bidi\u202e \xff", `bidi\u202e \xff`},
		{"\xc2 \x85", `\xc2 \x85`}, // invalid bytes are not space
	}
	for _, c := range cases {
		got := OneLine(c.in)
		if got != c.want {
			t.Errorf("OneLine(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.ContainsAny(got, "\t\n\r") {
			t.Errorf("OneLine(%q) = %q holds a tab or a line end", c.in, got)
		}
	}
}

func TestDashPlural(t *testing.T) {
	if Dash("") != "-" || Dash("x") != "x" {
		t.Error("Dash")
	}
	if Plural(1, "line") != "1 line" || Plural(0, "line") != "0 lines" || Plural(3, "record") != "3 records" {
		t.Error("Plural")
	}
}

const cleanLine200 = `2024/05/01 12:00:00.123 +00:00 [INFO] [backup.go:123] ["backup range finished"] [range-sn=42] [start-key=7480000000000000ff] [take=1.234s] [size=12345678] [café=ok] [region-count=17] 中文 done`

func TestCleanDoesNotAllocate(t *testing.T) {
	if len(cleanLine200) < 195 || len(cleanLine200) > 205 {
		t.Fatalf("line is %d bytes", len(cleanLine200))
	}
	if n := testing.AllocsPerRun(100, func() { sink = Clean(cleanLine200) }); n != 0 {
		t.Errorf("Clean of a clean line: %v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() { sink = OneLine(cleanLine200) }); n != 0 {
		t.Errorf("OneLine of a clean line: %v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() { sink = Redact(cleanLine200) }); n != 0 {
		t.Errorf("Redact of a line with nothing to redact: %v allocations", n)
	}
	if n := testing.AllocsPerRun(100, func() { sink = Cut(cleanLine200, 1000) }); n != 0 {
		t.Errorf("Cut of a short line: %v allocations", n)
	}
}

var sink string
