package stream

import (
	"context"
	"errors"
	"io"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
)

// readResult is what one read of a source kept.
type readResult struct {
	lines     []LogLine // the newest kept, oldest first
	pos       position
	truncated bool // the read stopped at --limit-bytes
	dropped   int  // older lines left out to stay within MaxKeptBytes
	err       error
}

// countingReader counts the bytes read, to tell a log cut at its limit.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// logOptions are a source's request options for its first read.
func logOptions(src LogSource, o LogsOptions) *corev1.PodLogOptions {
	opts := &corev1.PodLogOptions{Container: src.Container, Timestamps: true}
	if o.Since > 0 {
		secs := int64((o.Since + time.Second - 1) / time.Second)
		opts.SinceSeconds = &secs
	}
	if src.Match == nil {
		// The kubelet cuts a backup pod's log; the controller's lines about
		// the backup are sparse, so its tail is kept while reading.
		tail := int64(o.Tail)
		opts.TailLines = &tail
	}
	if o.LimitBytes > 0 {
		opts.LimitBytes = &o.LimitBytes
	}
	return opts
}

// readSource reads a source's log once and keeps its last o.Tail lines.
// Memory is bounded by the ring, whatever the log's size.
func readSource(ctx context.Context, kube kubernetes.Interface, src LogSource, o LogsOptions) readResult {
	var res readResult
	opts := logOptions(src, o)
	rc, err := kube.CoreV1().Pods(src.Namespace).GetLogs(src.Pod, opts).Stream(ctx)
	if err != nil {
		res.err = err
		return res
	}
	defer rc.Close()
	var in io.Reader = rc
	if o.LimitBytes > 0 {
		in = io.LimitReader(in, o.LimitBytes) // even from a server that ignores the limit
	}
	counted := &countingReader{r: in}
	ring := lineRing{keep: o.Tail}
	lr := newLineReader(counted)
	label := src.Label()
	for {
		at, line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			res.err = err
			break
		}
		res.pos.seen(at)
		if src.keeps(line) {
			ring.push(LogLine{Source: label, Time: at, Text: line})
		}
	}
	res.lines, res.dropped = ring.lines(), ring.dropped
	res.truncated = o.LimitBytes > 0 && counted.n >= o.LimitBytes
	return res
}

// mergeLines orders the lines of several sources by time. A line without
// a time sorts right after the line before it in its own source; lines of
// the same time keep their order.
func mergeLines(perSource [][]LogLine) []LogLine {
	type keyed struct {
		LogLine
		at time.Time
	}
	var all []keyed
	for _, lines := range perSource {
		var last time.Time
		for _, l := range lines {
			if !l.Time.IsZero() {
				last = l.Time
			}
			all = append(all, keyed{LogLine: l, at: last})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
	out := make([]LogLine, len(all))
	for i, k := range all {
		out[i] = k.LogLine
	}
	return out
}
