package promapi

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuote(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", `""`},
		{"tidb-basic", `"tidb-basic"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{`\`, `"\\"`},
		{`\"`, `"\\\""`},
		{"a\nb", `"a\nb"`},
		{"a\rb\tc", `"a\rb\tc"`},
		{"a\x00b", `"a\x00b"`},
		{"\xff", `"\xff"`},
		{"ünïcode", `"ünïcode"`},
		{`"} or vector(1) #`, `"\"} or vector(1) #"`},
		{"`", "\"`\""},
	}
	for _, c := range cases {
		if got := Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestMatchersSelector(t *testing.T) {
	cases := []struct {
		m      Matchers
		metric string
		want   string
	}{
		{nil, "up", `up{}`},
		{Matchers{{"namespace", "ns"}}, "m", `m{namespace="ns"}`},
		{Matchers{{"namespace", "ns"}, {"backup", "b"}}, "ALERTS", `ALERTS{namespace="ns",backup="b"}`},
		// The order is the order given, not sorted.
		{Matchers{{"z", "1"}, {"a", "2"}}, "m", `m{z="1",a="2"}`},
		// A hostile value stays inside its literal.
		{Matchers{{"backup", `"} or vector(1) #`}}, "m", `m{backup="\"} or vector(1) #"}`},
		{Matchers{{"backup", "x\"}\n or up{a=\""}}, "m", `m{backup="x\"}\n or up{a=\""}`},
		{Matchers{{"backup", `\`}, {"task", `"`}}, "m", `m{backup="\\",task="\""}`},
	}
	for _, c := range cases {
		if got := c.m.Selector(c.metric); got != c.want {
			t.Errorf("%v.Selector(%q) = %s, want %s", c.m, c.metric, got, c.want)
		}
	}
}

func TestMatchersWithDoesNotAlias(t *testing.T) {
	base := make(Matchers, 1, 4) // room to grow in place
	base[0] = Matcher{"namespace", "ns"}
	a := base.With(Matcher{"task", "a"})
	b := base.With(Matcher{"task", "b"})
	if got := a.String(); got != `namespace="ns",task="a"` {
		t.Errorf("a = %s", got)
	}
	if got := b.String(); got != `namespace="ns",task="b"` {
		t.Errorf("b = %s", got)
	}
	if len(base) != 1 {
		t.Errorf("base grew to %d", len(base))
	}
}

func TestValidLabelName(t *testing.T) {
	for _, ok := range []string{"a", "_", "tidb_cluster", "A9_", "__name__"} {
		if !ValidLabelName(ok) {
			t.Errorf("ValidLabelName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "9a", "a-b", "a.b", "a b", "a=", `a"`, "ü", "a\n"} {
		if ValidLabelName(bad) {
			t.Errorf("ValidLabelName(%q) = true", bad)
		}
	}
}

// checkQuoted is the property of Quote: the literal reads back as s, is
// one line, and no quote inside it is unescaped (so a label value can
// never end the literal and add to the query).
func checkQuoted(t *testing.T, s string) {
	t.Helper()
	q := Quote(s)
	back, err := strconv.Unquote(q)
	if err != nil {
		t.Fatalf("Quote(%q) = %s: does not unquote: %v", s, q, err)
	}
	if back != s {
		t.Fatalf("Quote(%q) = %s reads back as %q", s, q, back)
	}
	if strings.ContainsAny(q, "\n\r") {
		t.Fatalf("Quote(%q) = %s holds a raw line break", s, q)
	}
	if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		t.Fatalf("Quote(%q) = %s is not enclosed in double quotes", s, q)
	}
	if !utf8.ValidString(q) {
		t.Fatalf("Quote(%q) = %q is not valid UTF-8", s, q)
	}
	inner := q[1 : len(q)-1]
	for i := 0; i < len(inner); i++ {
		switch inner[i] {
		case '\\':
			if i == len(inner)-1 {
				t.Fatalf("Quote(%q) = %s escapes the closing quote", s, q)
			}
			i++ // the escaped byte
		case '"':
			t.Fatalf("Quote(%q) = %s has an unescaped quote at %d", s, q, i+1)
		case 0:
			t.Fatalf("Quote(%q) = %q holds a raw NUL", s, q)
		}
	}
}

var quoteSeeds = []string{
	"",
	"tidb-basic",
	`"`,
	`\`,
	`\"`,
	`"\`,
	`\\"`,
	`"} or vector(1) #`,
	`"}) or on() vector(1) #`,
	"x\"}\n or up{a=\"",
	"a\nb",
	"a\r\nb",
	"\x00",
	"a\x00\"b",
	"\xff\xfe",
	"\xc3",         // a cut UTF-8 sequence
	"\xed\xa0\x80", // an encoded surrogate
	"\u2028\u2029",
	"\ufeff",
	"`raw`",
	"'single'",
	"${x}",
	"日本語",
	strings.Repeat(`\"`, 100),
}

func TestQuoteSeeds(t *testing.T) {
	for _, s := range quoteSeeds {
		checkQuoted(t, s)
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range quoteSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkQuoted(t, s)
		// As a matcher value too: the selector ends where it should.
		sel := Matchers{{"backup", s}}.Selector("m")
		if want := "m{backup=" + Quote(s) + "}"; sel != want {
			t.Fatalf("Selector = %s, want %s", sel, want)
		}
	})
}
