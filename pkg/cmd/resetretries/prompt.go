package resetretries

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IsTerminal reports whether the input is a terminal a person can answer
// on; only an *os.File can be one.
func IsTerminal(in io.Reader) bool {
	f, ok := in.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// prompter asks yes/no questions on one input. An answer counts only for
// the question on the screen: input typed before a question was shown
// (a "y" typed ahead while a later preview and its warnings were still
// being drawn) is discarded on a terminal, and nothing is read ahead.
type prompter struct {
	in  io.Reader
	out io.Writer
}

func newPrompter(in io.Reader, out io.Writer) *prompter {
	return &prompter{in: in, out: out}
}

// readLine reads up to a newline one byte at a time, so that nothing past
// the answer is consumed.
func readLine(in io.Reader) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) < maxAnswer {
		n, err := in.Read(b)
		if n == 1 {
			line = append(line, b[0])
			if b[0] == '\n' {
				return string(line), nil
			}
		}
		if err != nil {
			return string(line), err
		}
	}
	return string(line), nil // far too long for y or yes: it is no
}

// maxAnswer bounds what one answer may hold.
const maxAnswer = 256

// answer is one line read from the input.
type answer struct {
	line string
	err  error
}

// confirm asks question and returns true only for a line y or yes (any
// case). An empty line, anything else and the end of the input are no. Ctrl-C
// cancels ctx and returns its error at once, even while the read waits.
func (p *prompter) confirm(ctx context.Context, question string) (bool, error) {
	if f, ok := p.in.(*os.File); ok && IsTerminal(f) {
		discardTypedAhead(f)
	}
	if _, err := fmt.Fprintf(p.out, "%s [y/N] ", question); err != nil {
		return false, err
	}
	got := make(chan answer, 1)
	go func() {
		line, err := readLine(p.in)
		got <- answer{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(p.out)
		return false, ctx.Err()
	case a := <-got:
		if a.err != nil {
			// EOF (Ctrl-D) ends the line the terminal did not end.
			fmt.Fprintln(p.out)
			if a.err != io.EOF {
				return false, fmt.Errorf("reading the answer: %w", a.err)
			}
		}
		// Only a whole line counts: "y" cut short by the end of input is no.
		yes := strings.ToLower(strings.TrimSpace(a.line))
		return a.err == nil && (yes == "y" || yes == "yes"), nil
	}
}
