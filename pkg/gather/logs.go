package gather

import (
	"bufio"
	"context"
	"errors"
	"io"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
)

// logScan is the result of reading one container's log.
type logScan struct {
	lines   []string // the kept lines, oldest first, at most keep
	scanned int
	matched int
	bytes   int64
}

// scanLog streams a container log and keeps the last keep lines for which
// match is true (every line when match is nil). Memory stays bounded by
// keep, whatever the log's size.
func scanLog(ctx context.Context, kube kubernetes.Interface, ns, pod string, opts *corev1.PodLogOptions, keep int, match func([]byte) bool) (logScan, error) {
	stream, err := kube.CoreV1().Pods(ns).GetLogs(pod, opts).Stream(ctx)
	if err != nil {
		return logScan{}, err
	}
	defer stream.Close()
	return scanLines(stream, keep, match)
}

// scanLines is scanLog's reading half, apart so it can be tested on any
// reader.
func scanLines(in io.Reader, keep int, match func([]byte) bool) (logScan, error) {
	var s logScan
	ring := make([]string, 0, keep)
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
			s.scanned++
			if match == nil || match(text) {
				s.matched++
				if keep > 0 {
					if len(ring) < keep {
						ring = append(ring, string(text))
					} else {
						ring[next] = string(text)
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

func trimNewline(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
