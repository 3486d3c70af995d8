package stream

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// MaxLineBytes is the most kept of one log line, the same bound as
// investigate's (gather.MaxLineBytes; a test keeps them equal): a longer
// line keeps its start and its end, where br writes the error.
const MaxLineBytes = 8 << 10

// MaxKeptBytes bounds the lines kept of one source for the time-ordered
// merge, whatever --tail says; past it the oldest kept lines are dropped.
const MaxKeptBytes = 4 << 20

// lineOverhead is what a kept line costs besides its text.
const lineOverhead = 64

// LogLine is one line of one source. Time is the time the kubelet
// recorded (zero when the line came without one).
type LogLine struct {
	Source string
	Time   time.Time
	Text   string
}

func (l LogLine) size() int64 { return int64(len(l.Text)) + lineOverhead }

// lineReader reads a log read with timestamps one line at a time; each
// line is cut to MaxLineBytes in bounded memory, however long it is.
type lineReader struct {
	r    *bufio.Reader
	long *text.LongLine
}

func newLineReader(in io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(in, 64<<10), long: text.NewLongLine(MaxLineBytes)}
}

// next returns the next line's time and text (a copy, cut), or the
// reader's error; io.EOF after the last line. A last line without its
// newline is still returned.
func (lr *lineReader) next() (time.Time, string, error) {
	line, err := lr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// Longer than the buffer: keep its start (with the timestamp)
		// and its end, already cut, in bounded memory.
		lr.long.Reset()
		_, _ = lr.long.Write(line)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = lr.r.ReadSlice('\n')
			_, _ = lr.long.Write(trimNewline(line))
		}
		if err != nil && err != io.EOF {
			return time.Time{}, "", err
		}
		at, rest := splitTimestamp(lr.long.String())
		return at, rest, nil
	}
	if err != nil && (err != io.EOF || len(line) == 0) {
		// A line cut by a dropped connection is read again on reconnecting.
		return time.Time{}, "", err
	}
	at, rest := splitTimestamp(string(trimNewline(line)))
	if len(rest) > MaxLineBytes {
		rest = text.Cut(rest, MaxLineBytes)
	}
	return at, rest, nil // after a last line without newline, EOF comes next
}

// splitTimestamp takes off the RFC 3339 timestamp the kubelet puts before
// each line when asked for timestamps.
func splitTimestamp(s string) (time.Time, string) {
	i := strings.IndexByte(s[:min(len(s), 40)], ' ')
	if i < 0 {
		return time.Time{}, s
	}
	t, err := time.Parse(time.RFC3339Nano, s[:i])
	if err != nil {
		return time.Time{}, s
	}
	return t, s[i+1:]
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
