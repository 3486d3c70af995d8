package resetretries

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

func TestConfirmAnswers(t *testing.T) {
	cases := map[string]bool{
		"y\n": true, "Y\n": true, "yes\n": true, " YES \n": true, "y\r\n": true,
		"n\n": false, "\n": false, "no\n": false, "yep\n": false, "sure\n": false,
		"":  false, // end of input
		"y": false, // cut short by the end of input
	}
	for in, want := range cases {
		var out bytes.Buffer
		got, err := newPrompter(strings.NewReader(in), &out).confirm(context.Background(), "Remove 2 retry records from ns/b?")
		if err != nil || got != want {
			t.Errorf("answer %q: got %v, %v; want %v", in, got, err, want)
		}
		if !strings.HasPrefix(out.String(), "Remove 2 retry records from ns/b? [y/N] ") {
			t.Errorf("question %q", out.String())
		}
	}
}

// Answers typed ahead for later questions are kept for them.
func TestConfirmKeepsTypedAhead(t *testing.T) {
	p := newPrompter(strings.NewReader("y\nn\ny\n"), io.Discard)
	var got []bool
	for range 3 {
		ok, _ := p.confirm(context.Background(), "?")
		got = append(got, ok)
	}
	if got[0] != true || got[1] != false || got[2] != true {
		t.Errorf("answers %v", got)
	}
}

// Ctrl-C cancels the context: the question returns at once, as no.
func TestConfirmCancelled(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ok, err := newPrompter(r, io.Discard).confirm(ctx, "?")
	if ok || err != context.Canceled {
		t.Errorf("got %v, %v", ok, err)
	}
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(strings.NewReader("y\n")) {
		t.Error("a string is a terminal")
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("/dev/null is a terminal")
	}
}
