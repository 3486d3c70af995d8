package gather

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// logServer serves one pod's log as a kubelet does through the API
// server: tailLines, limitBytes and timestamps honoured; it records the
// queries it was asked.
type logServer struct {
	mu    sync.Mutex
	asked []string
	lines []string // each "RFC3339 text"
}

func (s *logServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.asked = append(s.asked, q.Encode())
	s.mu.Unlock()
	lines := s.lines
	if n, err := strconv.Atoi(q.Get("tailLines")); err == nil && n < len(lines) {
		lines = lines[len(lines)-n:]
	}
	var b strings.Builder
	for _, l := range lines {
		if q.Get("timestamps") != "true" {
			_, l, _ = strings.Cut(l, " ")
		}
		b.WriteString(l + "\n")
	}
	out := b.String()
	if n, err := strconv.Atoi(q.Get("limitBytes")); err == nil && n < len(out) {
		out = out[:n]
	}
	_, _ = io.WriteString(w, out)
}

func (s *logServer) queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

func podLogWith(t *testing.T, srv *logServer, limit int64, errorLines bool) report.PodLogSection {
	t.Helper()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	kube, err := kubernetes.NewForConfig(&rest.Config{Host: hs.URL, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	one := int32(1)
	pods := []report.Pod{{Name: "backup-nightly-a", Phase: "Failed", Containers: []report.Container{{Name: "backup", State: "terminated", Reason: "Error", ExitCode: &one}}}}
	return gatherPodLog(context.Background(), kube, "tidb", pods, 3, limit, errorLines)
}

func stampLine(sec int, text string) string {
	return t0.Add(time.Duration(sec)*time.Second).Format(time.RFC3339Nano) + " " + text
}

// For a timeline the log is searched from its start for its first error
// line and its tail for its last, both with their times; without one the
// pod log costs the single read it always did.
func TestPodLogErrorLines(t *testing.T) {
	srv := &logServer{lines: []string{
		stampLine(1, "[2026/11/25 10:00:01.000 +00:00] [INFO] [backup.go:1] [\"start\"]"),
		stampLine(2, "[2026/11/25 10:00:02.000 +00:00] [ERROR] [s3.go:412] [\"first error\"]"),
		stampLine(3, "[2026/11/25 10:00:03.000 +00:00] [INFO] [x.go:1] [\"retry on error\"] [error=nil]"),
		stampLine(4, "E1125 10:00:04.000000 1 backup.go:9] second error"),
		stampLine(5, "Error: last words"),
		stampLine(6, "[2026/11/25 10:00:06.000 +00:00] [INFO] [x.go:1] [\"exiting\"]"),
	}}
	plain := podLogWith(t, srv, 1<<20, false)
	if q := srv.queries(); len(q) != 1 || strings.Contains(q[0], "timestamps") {
		t.Errorf("plain investigate read the log %d times (%v), want once without timestamps", len(q), q)
	}
	if plain.FirstError != nil || plain.LastError != nil || strings.HasPrefix(plain.Lines[0], "2026-") {
		t.Errorf("plain section: %+v", plain)
	}

	srv.asked = nil
	sec := podLogWith(t, srv, 1<<20, true)
	if q := srv.queries(); len(q) != 2 {
		t.Fatalf("want a tail read and a read from the start, got %v", q)
	}
	if strings.Join(sec.Lines, "|") != plain.Lines[0]+"|"+plain.Lines[1]+"|"+plain.Lines[2] {
		t.Errorf("the timestamps changed the lines shown: %q vs %q", sec.Lines, plain.Lines)
	}
	if sec.FirstError == nil || !strings.Contains(sec.FirstError.Text, "first error") || !sec.FirstError.At.Equal(sec2(2)) {
		t.Errorf("first error: %+v", sec.FirstError)
	}
	if sec.LastError == nil || sec.LastError.Text != "Error: last words" || !sec.LastError.At.Equal(sec2(5)) {
		t.Errorf("last error: %+v", sec.LastError)
	}
	if sec.ErrorsNote != "" {
		t.Errorf("note: %s", sec.ErrorsNote)
	}

	// Cut by --limit-bytes before any error: the first and last known are
	// the tail's, and the note says the search was bounded.
	srv.asked = nil
	sec = podLogWith(t, srv, int64(len(srv.lines[0])+20), true)
	if sec.FirstError == nil || !strings.Contains(sec.FirstError.Text, "second error") || sec.LastError == nil || !strings.HasPrefix(sec.LastError.Text, "Error: last") ||
		!strings.Contains(sec.ErrorsNote, "first of its last lines") {
		t.Errorf("cut log: first %+v last %+v note %q", sec.FirstError, sec.LastError, sec.ErrorsNote)
	}

	// No error line at all: a note, no lines made up.
	srv.lines = []string{stampLine(1, "[2026/11/25 10:00:01.000 +00:00] [INFO] [backup.go:1] [\"fine\"]")}
	sec = podLogWith(t, srv, 1<<20, true)
	if sec.FirstError != nil || sec.LastError != nil || sec.ErrorsNote != "no error line in the log" {
		t.Errorf("clean log: %+v", sec)
	}
}

func sec2(n int) time.Time { return sec(n) }

// The times a timeline needs: a Job's start, completion and condition
// transitions, each container's start and end and its last termination,
// an event's first time.
func TestWorkloadAndEventTimes(t *testing.T) {
	at := func(n int) metav1.Time { return metav1.NewTime(sec(n)) }
	start, done := at(10), at(90)
	job := &batchv1.Job{ObjectMeta: owned("backup-nightly", "job-1", "bk-1"), Status: batchv1.JobStatus{
		StartTime: &start, CompletionTime: &done, Conditions: []batchv1.JobCondition{
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", LastTransitionTime: at(80)},
		}}}
	pod := &corev1.Pod{ObjectMeta: owned("backup-nightly-a", "pod-1", "job-1"), Status: corev1.PodStatus{Phase: corev1.PodFailed,
		ContainerStatuses: []corev1.ContainerStatus{
			{Name: "backup", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137, StartedAt: at(20), FinishedAt: at(70)}}},
			{Name: "sidecar", RestartCount: 1, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: at(60)}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 2, StartedAt: at(20), FinishedAt: at(50)}}},
		}}}
	kube := fake.NewClientset(job, pod)
	w := gatherWorkload(context.Background(), kube, &backup.Backup{Namespace: "tidb", Name: "nightly", UID: "bk-1"})
	j := w.section.Jobs[0]
	if j.Started == nil || !j.Started.Equal(sec(10)) || j.Completed == nil || !j.Completed.Equal(sec(90)) {
		t.Errorf("job times: %+v", j)
	}
	if len(j.Transitions) != 1 || j.Transitions[0].Type != "Failed" || j.Transitions[0].Reason != "BackoffLimitExceeded" || !j.Transitions[0].At.Equal(sec(80)) ||
		j.Conditions[0] != "Failed=True (BackoffLimitExceeded)" {
		t.Errorf("job conditions: %+v / %v", j.Transitions, j.Conditions)
	}
	cs := w.section.Pods[0].Containers
	if c := cs[0]; c.StartedAt == nil || !c.StartedAt.Equal(sec(20)) || c.FinishedAt == nil || !c.FinishedAt.Equal(sec(70)) || c.LastTermination != nil {
		t.Errorf("terminated container: %+v", c)
	}
	if c := cs[1]; c.StartedAt == nil || !c.StartedAt.Equal(sec(60)) || c.FinishedAt != nil ||
		c.LastTermination == nil || c.LastTermination.Reason != "Error" || c.LastTermination.ExitCode != 2 || !c.LastTermination.FinishedAt.Equal(sec(50)) {
		t.Errorf("restarted container: %+v %+v", c, c.LastTermination)
	}

	first, last := at(5), at(95)
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e1", Namespace: "tidb"}, InvolvedObject: corev1.ObjectReference{Kind: "Job", Name: "backup-nightly", UID: "job-1"},
		Reason: "BackoffLimitExceeded", Count: 3, FirstTimestamp: first, LastTimestamp: last}
	noFirst := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e2", Namespace: "tidb"}, InvolvedObject: corev1.ObjectReference{Kind: "Job", Name: "backup-nightly", UID: "job-1"},
		Reason: "Other", EventTime: metav1.NewMicroTime(sec(96))}
	evs, err := gatherEvents(context.Background(), fake.NewClientset(ev, noFirst), "tidb", []types.UID{"job-1"}, semaphore.NewWeighted(1))
	if err != nil {
		t.Fatal(err)
	}
	byReason := map[string]report.Event{}
	for _, e := range evs {
		byReason[e.Reason] = e
	}
	if e := byReason["BackoffLimitExceeded"]; e.FirstSeen == nil || !e.FirstSeen.Equal(sec(5)) || !e.LastSeen.Equal(sec(95)) || e.Count != 3 {
		t.Errorf("event times: %+v", e)
	}
	if e := byReason["Other"]; e.FirstSeen != nil || !e.LastSeen.Equal(sec(96)) {
		t.Errorf("event without a first time: %+v", e)
	}
}

// The controller section keeps each line's time beside it.
func TestControllerLineTimes(t *testing.T) {
	m := newestLines{keep: 2}
	m.add("ns/a", []logLine{{At: sec(1), Text: "old"}, {At: sec(2), Text: "two"}, {Text: "two+"}})
	if got := fmt.Sprint(m.texts()); got != "[two two+]" {
		t.Fatalf("lines: %s", got)
	}
	if ts := m.times(); len(ts) != 2 || !ts[0].Equal(sec(2)) || !ts[1].Equal(sec(2)) {
		t.Errorf("times: %v", ts)
	}
	if (&newestLines{keep: 1}).times() != nil {
		t.Error("no lines must give no times (left out of the JSON)")
	}
}
