package stream

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func readAll(t *testing.T, in string) []LogLine {
	t.Helper()
	lr := newLineReader(strings.NewReader(in))
	var out []LogLine
	for {
		at, line, err := lr.next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, LogLine{Time: at, Text: line})
	}
}

func TestLineReaderSplitsTimestampsAndCutsLongLines(t *testing.T) {
	long := "START " + strings.Repeat("x", 1<<20) + " Error: AccessDenied"
	lines := readAll(t, "2026-11-25T10:00:01.5Z first\r\nno time\n2026-11-25T10:00:02Z "+long+"\n2026-11-25T10:00:03Z last without newline")
	if len(lines) != 4 {
		t.Fatalf("%d lines", len(lines))
	}
	if lines[0].Text != "first" || lines[0].Time.UnixMilli()%1000 != 500 || lines[1].Text != "no time" || !lines[1].Time.IsZero() {
		t.Errorf("lines: %+v %+v", lines[0], lines[1])
	}
	if l := lines[2].Text; len(l) > MaxLineBytes+64 || strings.Count(l, "bytes cut]") != 1 || !strings.HasPrefix(l, "START ") || !strings.HasSuffix(l, "Error: AccessDenied") || lines[2].Time.IsZero() {
		t.Errorf("long line: %d bytes, %.20q...%q", len(l), l, l[len(l)-20:])
	}
	if lines[3].Text != "last without newline" {
		t.Errorf("last line: %q", lines[3].Text)
	}
}

// A reopened stream starts at the second of the last line seen: the lines
// already read are recognised by time and count, and dropped.
func TestPositionDropsWhatWasRead(t *testing.T) {
	base := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	var p position
	for _, ms := range []int{100, 200, 200} {
		if p.seen(at(ms)) {
			t.Fatalf("first read: %d ms taken for a repeat", ms)
		}
	}
	if !p.sinceTime().Equal(base) {
		t.Errorf("sinceTime = %s", p.sinceTime())
	}
	p.reopen()
	var fresh []int
	for _, ms := range []int{100, 200, 200, 200, 300} {
		if !p.seen(at(ms)) {
			fresh = append(fresh, ms)
		}
	}
	if fmt.Sprint(fresh) != "[200 300]" {
		t.Errorf("after reopening, new lines = %v, want [200 300]", fresh)
	}
	p.reopen()
	if p.seen(time.Time{}) {
		t.Error("a line without a time is never a repeat")
	}
}

func TestRingKeepsTheNewestWithinBounds(t *testing.T) {
	r := lineRing{keep: 3}
	for i := range 10 {
		r.push(LogLine{Text: fmt.Sprint(i)})
	}
	if got := r.lines(); len(got) != 3 || got[0].Text != "7" || got[2].Text != "9" {
		t.Errorf("kept %v", got)
	}
	big := lineRing{keep: maxTailForTest}
	line := strings.Repeat("y", MaxLineBytes)
	for range 2000 {
		big.push(LogLine{Text: line})
	}
	if big.bytes > MaxKeptBytes || big.dropped == 0 || big.n == 0 {
		t.Errorf("kept %d bytes in %d lines, dropped %d", big.bytes, big.n, big.dropped)
	}
	if len(big.buf) > big.n*2 {
		t.Errorf("buffer of %d for %d lines: it grows with what it holds", len(big.buf), big.n)
	}
}

const maxTailForTest = 10000

func TestMergeOrdersByTime(t *testing.T) {
	base := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	a := []LogLine{{Source: "a", Time: base, Text: "a1"}, {Source: "a", Text: "a1-cont"}, {Source: "a", Time: base.Add(3 * time.Second), Text: "a3"}}
	b := []LogLine{{Source: "b", Time: base.Add(time.Second), Text: "b1"}, {Source: "b", Time: base.Add(3 * time.Second), Text: "b3"}}
	var got []string
	for _, l := range mergeLines([][]LogLine{a, b}) {
		got = append(got, l.Text)
	}
	if want := "a1 a1-cont b1 a3 b3"; strings.Join(got, " ") != want {
		t.Errorf("merged %v, want %s", got, want)
	}
}

func TestLogOptions(t *testing.T) {
	o := LogsOptions{Tail: 5, Since: 90*time.Second + time.Millisecond, LimitBytes: 1000}
	pod := logOptions(LogSource{Pod: "p", Container: "backup"}, o)
	if *pod.TailLines != 5 || *pod.SinceSeconds != 91 || *pod.LimitBytes != 1000 || !pod.Timestamps || pod.Container != "backup" {
		t.Errorf("pod options: %+v", pod)
	}
	ctl := logOptions(LogSource{Controller: true, Match: func([]byte) bool { return true }}, o)
	if ctl.TailLines != nil {
		t.Error("a controller's matching lines are sparse: its tail is kept while reading, not by the kubelet")
	}
}

func TestContainerStarted(t *testing.T) {
	status := func(s corev1.ContainerState) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: BackupContainer, State: s}}}}
	}
	if containerStarted(status(corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}), BackupContainer) {
		t.Error("a waiting container has no log")
	}
	if !containerStarted(status(corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}), BackupContainer) ||
		!containerStarted(status(corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}), BackupContainer) {
		t.Error("a running or terminated container has a log")
	}
}

func TestLabels(t *testing.T) {
	if l := (LogSource{Controller: true, Namespace: "tidb-admin", Pod: "c"}).Label(); l != "controller tidb-admin/c" {
		t.Error(l)
	}
	if l := (LogSource{Namespace: "ns", Pod: "backup-x"}).Label(); l != "pod ns/backup-x" {
		t.Error(l)
	}
}
