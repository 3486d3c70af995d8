package text

import "testing"

func TestClean(t *testing.T) {
	cases := map[string]string{
		"plain line":               "plain line",
		"tab\tstays":               "tab\tstays",
		"\x1b[31mred\x1b[0m":       `\x1b[31mred\x1b[0m`,
		"osc \x1b]0;title\x07 end": `osc \x1b]0;title\x07 end`,
		"cr\roverwrite":            `cr\x0doverwrite`,
		"ünïcödé ok":               "ünïcödé ok",
		"c1 \u009b csi":            `c1 \x9b csi`,
	}
	for in, want := range cases {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOneLineDashPlural(t *testing.T) {
	if got := OneLine("a\n  b\tc \x1b[0m"); got != `a b c \x1b[0m` {
		t.Errorf("OneLine = %q", got)
	}
	if Dash("") != "-" || Dash("x") != "x" {
		t.Error("Dash")
	}
	if Plural(1, "line") != "1 line" || Plural(0, "line") != "0 lines" || Plural(3, "record") != "3 records" {
		t.Error("Plural")
	}
}
