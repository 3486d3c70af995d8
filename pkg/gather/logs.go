package gather

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"time"

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
	lines   []logLine // the kept lines, oldest first, at most keep
	scanned int
	matched int
	bytes   int64
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
// saying how much was cut. With --tail at most 10000, the kept lines of
// one log never need more than about 80 MiB, whatever the log holds.
const MaxLineBytes = 8 << 10

// scanLog streams a container log and keeps the last keep lines for which
// match is true (every line when match is nil). It reads at most
// opts.LimitBytes, even from a server that ignores the limit, and memory
// stays bounded by keep lines of MaxLineBytes. With opts.Timestamps each
// line's leading timestamp is parsed off into At.
func scanLog(ctx context.Context, kube kubernetes.Interface, ns, pod string, opts *corev1.PodLogOptions, keep int, match func([]byte) bool) (logScan, error) {
	stream, err := kube.CoreV1().Pods(ns).GetLogs(pod, opts).Stream(ctx)
	if err != nil {
		return logScan{}, err
	}
	defer stream.Close()
	var in io.Reader = stream
	if opts.LimitBytes != nil {
		in = io.LimitReader(stream, *opts.LimitBytes)
	}
	return scanLines(in, keep, opts.Timestamps, match)
}

// scanLines is scanLog's reading half, apart so it can be tested on any
// reader.
func scanLines(in io.Reader, keep int, timestamps bool, match func([]byte) bool) (logScan, error) {
	var s logScan
	var ring []logLine // grows to keep: a large --tail costs only what is read
	next := 0
	long := text.NewLongLine(MaxLineBytes)
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := r.ReadSlice('\n')
		s.bytes += int64(len(line))
		cutAlready := false
		if errors.Is(err, bufio.ErrBufferFull) {
			// An overlong line: keep its start and end in bounded memory.
			long.Reset()
			_, _ = long.Write(line)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = r.ReadSlice('\n')
				s.bytes += int64(len(line))
				_, _ = long.Write(line)
			}
			line, cutAlready = []byte(long.String()), true
		}
		if len(line) > 0 {
			text := trimNewline(line)
			var at time.Time
			if timestamps {
				at, text = splitTimestamp(text)
			}
			s.scanned++
			if match == nil || match(text) {
				s.matched++
				if keep > 0 {
					l := logLine{At: at, Text: string(text)}
					if !cutAlready {
						l.Text = cut(text)
					}
					if len(ring) < keep {
						ring = append(ring, l)
					} else {
						ring[next] = l
						next = (next + 1) % keep
					}
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return s, err
		}
	}
	s.lines = append(ring[next:], ring[:next]...)
	return s, nil
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
