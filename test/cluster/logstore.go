package cluster

import (
	"sort"
	"time"
)

// LogLine is one line of a container's output as the container runtime
// records it: the time it was written and its text (without the newline).
type LogLine struct {
	Time time.Time
	Text string
}

// logKey names one container log; previous selects the log of the previous
// (terminated) instance of the container, as `kubectl logs --previous` does.
type logKey struct {
	namespace, pod, container string
	previous                  bool
}

// containerLog holds the lines of one container. Lines are only ever
// appended or the whole slice replaced, never modified in place, so a reader
// may keep using a slice header it took under the lock.
type containerLog struct {
	lines []LogLine
	// sorted records whether lines are in time order, which lets sinceTime
	// use a binary search; out-of-order fixtures fall back to a scan.
	sorted bool
	// generation changes when SetLog replaces the lines, telling followers
	// to start again from the new content rather than from an old offset.
	generation int
	// changed is closed (and replaced) on every change to wake followers.
	changed chan struct{}
}

func newContainerLog() *containerLog {
	return &containerLog{sorted: true, changed: make(chan struct{})}
}

// notify wakes every follower waiting on the current channel.
func (l *containerLog) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// stampLines gives lines without a time the current time, because a
// kubelet always knows when a line was written.
func stampLines(lines []LogLine) []LogLine {
	out := make([]LogLine, len(lines))
	now := time.Now()
	for i, l := range lines {
		if l.Time.IsZero() {
			l.Time = now
		}
		out[i] = l
	}
	return out
}

// isSorted reports whether lines are in non-decreasing time order after prev.
func isSorted(prev *LogLine, lines []LogLine) bool {
	for i := range lines {
		if prev != nil && lines[i].Time.Before(prev.Time) {
			return false
		}
		prev = &lines[i]
	}
	return true
}

// tail returns the last n lines (all of them when n < 0), which is how a
// kubelet applies tailLines: by position, before any time filter.
func tail(lines []LogLine, n int64) []LogLine {
	if n < 0 || n >= int64(len(lines)) {
		return lines
	}
	return lines[int64(len(lines))-n:]
}

// since drops the lines written before t, the kubelet's sinceTime and
// sinceSeconds filter. A zero t keeps everything.
func since(lines []LogLine, t time.Time, sorted bool) []LogLine {
	if t.IsZero() {
		return lines
	}
	if sorted {
		i := sort.Search(len(lines), func(i int) bool { return !lines[i].Time.Before(t) })
		return lines[i:]
	}
	out := make([]LogLine, 0, len(lines))
	for _, l := range lines {
		if !l.Time.Before(t) {
			out = append(out, l)
		}
	}
	return out
}
