package gather

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// logLine is one kept line; At is set when the log was read with
// timestamps, so lines of several pods can be merged in time order.
type logLine struct {
	At   time.Time
	Text string
}

// logScan is the result of reading one container's log.
type logScan struct {
	lines     []logLine // the kept lines, oldest first, at most keep
	first     *logLine  // the first line that matched (when keep > 0)
	scanned   int
	matched   int
	bytes     int64
	truncated bool  // the log reached its byte limit: the rest was not read
	peakKept  int64 // the most the kept lines ever held, by keptSize
}

func (s logScan) texts() []string {
	out := make([]string, len(s.lines))
	for i, l := range s.lines {
		out[i] = l.Text
	}
	return out
}

// MaxLineBytes is the most kept of one log line: a longer one keeps its
// start and, larger, its end (where br writes the error), with a marker
// saying how much was cut.
const MaxLineBytes = 8 << 10

// MaxKeptBytes bounds the lines one scan keeps, and the controller lines
// merged across pods, whatever --tail or --controller-tail say: past it
// the oldest kept lines are dropped. Each line counts its text and
// lineOverhead (see keptSize). At most 4 MiB holds about 500 lines of
// MaxLineBytes, or 10000 lines of up to about 360 bytes.
const MaxKeptBytes = 4 << 20

// lineOverhead is what a kept line costs besides its text (its logLine
// and a share of the slices holding it), so short lines count too.
const lineOverhead = 64

// LimitMarker ends a log's last line when the log was cut at its byte
// limit in the middle of that line: what precedes it is not the line's
// end (nor, for a long line, the tail after "… [N bytes cut] …").
const LimitMarker = " … [cut at --limit-bytes]"

// noLimit is scanLines' limit for a log read whole.
const noLimit = -1

func keptSize(l logLine) int64 { return int64(len(l.Text)) + lineOverhead }

// scanLog streams a container log and keeps the last keep lines for which
// match is true (every line when match is nil). It reads at most
// opts.LimitBytes, even from a server that ignores the limit, and memory
// stays bounded by MaxKeptBytes of kept lines (keep lines of at most
// MaxLineBytes, fewer when they would hold more). With opts.Timestamps
// each line's leading timestamp is parsed off into At.
func scanLog(ctx context.Context, kube kubernetes.Interface, ns, pod string, opts *corev1.PodLogOptions, keep int, match func([]byte) bool) (logScan, error) {
	stream, err := kube.CoreV1().Pods(ns).GetLogs(pod, opts).Stream(ctx)
	if err != nil {
		return logScan{}, err
	}
	defer stream.Close()
	limit := int64(noLimit)
	if opts.LimitBytes != nil {
		limit = *opts.LimitBytes
	}
	return scanLines(stream, limit, keep, opts.Timestamps, match)
}

// scanLines is scanLog's reading half, apart so it can be tested on any
// reader. It reads at most limit bytes (all of in when limit is negative).
// Having read exactly limit bytes, it takes the log to be cut there (a
// kubelet honouring limitBytes sends no more, so a log of exactly limit
// bytes looks the same): the scan is truncated, and a last line without
// its newline is marked with LimitMarker.
func scanLines(in io.Reader, limit int64, keep int, timestamps bool, match func([]byte) bool) (logScan, error) {
	var s logScan
	var limited *io.LimitedReader
	if limit >= 0 {
		limited = &io.LimitedReader{R: in, N: limit}
		in = limited
	}
	ring := lineRing{keep: keep, budget: MaxKeptBytes}
	long := text.NewLongLine(MaxLineBytes)
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := r.ReadSlice('\n')
		s.bytes += int64(len(line))
		longText := "" // the line already cut, when it was too long for r
		if errors.Is(err, bufio.ErrBufferFull) {
			// An overlong line: keep its start and end in bounded memory.
			long.Reset()
			_, _ = long.Write(line)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = r.ReadSlice('\n')
				s.bytes += int64(len(line))
				_, _ = long.Write(line)
			}
			longText = long.String()
			line = []byte(longText)
		}
		atLimit := err == io.EOF && limited != nil && limited.N == 0
		if len(line) > 0 {
			// Without its newline at the limit, the line goes on unread.
			cutAtLimit := atLimit && line[len(line)-1] != '\n'
			text := trimNewline(line)
			end := len(text)
			var at time.Time
			if timestamps {
				at, text = splitTimestamp(text)
			}
			s.scanned++
			if match == nil || match(text) {
				s.matched++
				if keep > 0 {
					l := logLine{At: at}
					if longText != "" {
						l.Text = longText[end-len(text) : end] // no copy
					} else {
						l.Text = cut(text)
					}
					if cutAtLimit {
						l.Text = trimPartialRune(l.Text) + LimitMarker
					}
					if s.first == nil {
						first := l
						s.first = &first
					}
					ring.push(l)
				}
			}
		}
		if err == io.EOF {
			s.truncated = atLimit
			break
		}
		if err != nil {
			s.lines, s.peakKept = ring.ordered(), ring.peak
			return s, err
		}
	}
	s.lines, s.peakKept = ring.ordered(), ring.peak
	return s, nil
}

// lineRing keeps the newest lines pushed to it: at most keep of them, and
// at most budget bytes by keptSize (but always the newest line). Its
// buffer grows with what is kept, never to keep up front.
type lineRing struct {
	keep   int
	budget int64
	buf    []logLine // circular; the oldest line at start
	start  int
	n      int
	bytes  int64 // keptSize of the n lines
	peak   int64
}

func (r *lineRing) push(l logLine) {
	if r.keep <= 0 {
		return
	}
	size := keptSize(l)
	if r.n == r.keep {
		r.dropOldest()
	}
	for r.n > 0 && r.bytes+size > r.budget {
		r.dropOldest()
	}
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.start+r.n)%len(r.buf)] = l
	r.n++
	r.bytes += size
	r.peak = max(r.peak, r.bytes)
}

func (r *lineRing) dropOldest() {
	r.bytes -= keptSize(r.buf[r.start])
	r.buf[r.start] = logLine{} // let the text go
	r.start = (r.start + 1) % len(r.buf)
	r.n--
}

func (r *lineRing) grow() {
	buf := make([]logLine, min(r.keep, max(2*len(r.buf), 64)))
	r.copyTo(buf)
	r.buf, r.start = buf, 0
}

func (r *lineRing) copyTo(dst []logLine) {
	k := copy(dst, r.buf[r.start:min(r.start+r.n, len(r.buf))])
	copy(dst[k:], r.buf[:r.n-k])
}

// ordered returns the kept lines, oldest first.
func (r *lineRing) ordered() []logLine {
	out := make([]logLine, r.n)
	if r.n > 0 {
		r.copyTo(out)
	}
	return out
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of s, as
// a cut through the middle of a character leaves.
func trimPartialRune(s string) string {
	for i := len(s) - 1; i >= 0 && i >= len(s)-(utf8.UTFMax-1); i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				return s[:i]
			}
			break
		}
	}
	return s
}

// cut copies a line (the reader reuses its buffer) no longer than
// MaxLineBytes.
func cut(line []byte) string {
	if len(line) <= MaxLineBytes {
		return string(line)
	}
	return text.Cut(string(line), MaxLineBytes)
}

// splitTimestamp takes the RFC 3339 timestamp the kubelet puts before each
// line when asked for timestamps.
func splitTimestamp(line []byte) (time.Time, []byte) {
	i := bytes.IndexByte(line, ' ')
	if i < 0 {
		return time.Time{}, line
	}
	t, err := time.Parse(time.RFC3339Nano, string(line[:i]))
	if err != nil {
		return time.Time{}, line
	}
	return t, line[i+1:]
}

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
