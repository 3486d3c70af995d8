package resetretries

import (
	"bufio"
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

// prompter asks yes/no questions on one input. It keeps one buffered
// reader so that answers typed ahead for later questions are not lost.
type prompter struct {
	in  *bufio.Reader
	out io.Writer
}

func newPrompter(in io.Reader, out io.Writer) *prompter {
	return &prompter{in: bufio.NewReader(in), out: out}
}

// answer is one line read from the input.
type answer struct {
	line string
	err  error
}

// confirm asks question and returns true only for a line y or yes (any
// case). An empty line, anything else and the end of the input are no. Ctrl-C
// cancels ctx and returns its error at once, even while the read waits.
func (p *prompter) confirm(ctx context.Context, question string) (bool, error) {
	if _, err := fmt.Fprintf(p.out, "%s [y/N] ", question); err != nil {
		return false, err
	}
	got := make(chan answer, 1)
	go func() {
		line, err := p.in.ReadString('\n')
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
