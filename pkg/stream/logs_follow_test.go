package stream

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

type recordingSink struct {
	mu           sync.Mutex
	lines, notes []string
}

func (s *recordingSink) Line(l LogLine) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, l.Source+": "+l.Text)
	return nil
}

func (s *recordingSink) Note(source, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes = append(s.notes, source+": "+msg)
}

// A pod whose stream ends because its container terminated is done: its
// lines are drawn, one note says so, and it is not reopened.
func TestFollowEndsWithATerminatedContainer(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "backup-x"}, Status: corev1.PodStatus{
		ContainerStatuses: []corev1.ContainerStatus{{Name: BackupContainer, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}}},
	}}
	sink := &recordingSink{}
	f := &follower{kube: fake.NewClientset(pod), sink: sink, slots: make(chan struct{}, 1), fail: func(error) {}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	f.start(ctx, &wg, LogSource{Namespace: "ns", Pod: "backup-x", Container: BackupContainer}, nil, nil)
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatal("the follow did not end")
	}
	if len(sink.lines) != 1 || !strings.HasPrefix(sink.lines[0], "pod ns/backup-x: ") {
		t.Errorf("lines: %q", sink.lines)
	}
	if len(sink.notes) != 1 || !strings.Contains(sink.notes[0], "log ended: container backup terminated (Error, exit code 1)") {
		t.Errorf("notes: %q", sink.notes)
	}
}

// A deleted pod ends its follow with one note; a full set of streams
// turns a new one away with a note instead of a goroutine.
func TestFollowDeletedPodAndBound(t *testing.T) {
	sink := &recordingSink{}
	f := &follower{kube: fake.NewClientset(), sink: sink, slots: make(chan struct{}, 1), fail: func(error) {}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	f.slots <- struct{}{} // the one slot is taken
	f.start(ctx, &wg, LogSource{Namespace: "ns", Pod: "other"}, nil, nil)
	<-f.slots
	f.start(ctx, &wg, LogSource{Namespace: "ns", Pod: "gone", Container: BackupContainer}, nil, nil)
	wg.Wait()
	if len(sink.notes) != 2 || !strings.Contains(sink.notes[0], "not followed: at most") || !strings.Contains(sink.notes[1], "the pod was deleted") {
		t.Errorf("notes: %q", sink.notes)
	}
}
