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

// scanLog streams a container log and keeps the last keep lines for which
// match is true (every line when match is nil). Memory stays bounded by
// keep, whatever the log's size. With opts.Timestamps each line's leading
// timestamp is parsed off into At.
func scanLog(ctx context.Context, kube kubernetes.Interface, ns, pod string, opts *corev1.PodLogOptions, keep int, match func([]byte) bool) (logScan, error) {
	stream, err := kube.CoreV1().Pods(ns).GetLogs(pod, opts).Stream(ctx)
	if err != nil {
		return logScan{}, err
	}
	defer stream.Close()
	return scanLines(stream, keep, opts.Timestamps, match)
}

// scanLines is scanLog's reading half, apart so it can be tested on any
// reader.
func scanLines(in io.Reader, keep int, timestamps bool, match func([]byte) bool) (logScan, error) {
	var s logScan
	ring := make([]logLine, 0, keep)
	next := 0
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := r.ReadSlice('\n')
		s.bytes += int64(len(line))
		if errors.Is(err, bufio.ErrBufferFull) {
			// Keep the head of an overlong line (copied: the next read
			// reuses the buffer) and drop the rest of it.
			line = append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				var rest []byte
				rest, err = r.ReadSlice('\n')
				s.bytes += int64(len(rest))
			}
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
