package stream

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestRunner(o Options) (*runner, *[]Event) {
	var out []Event
	if o.Hold == 0 {
		o.Hold = DefaultHold
	}
	r := &runner{o: o, owners: newOwners(), changed: make(chan struct{}, 1),
		printed: map[types.UID]uint64{}, held: map[types.UID]heldEvent{}, outages: map[string]bool{},
		emit: func(evs []Event) error { out = append(out, evs...); return nil }}
	return r, &out
}

func ev(uid, rv, kind, objUID, typ, reason string, seen time.Time) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{UID: types.UID(uid), ResourceVersion: rv, Namespace: "tidb"},
		InvolvedObject: corev1.ObjectReference{Kind: kind, Name: "x", UID: types.UID(objUID)},
		Type:           typ, Reason: reason, Count: 1, LastTimestamp: metav1.NewTime(seen),
	}
}

func owned(r *runner) {
	r.owners.setBackup("b1", backupKey{group: "pingcap.com", namespace: "tidb", name: "nightly"})
	r.owners.setChild("job1", []metav1.OwnerReference{{UID: "b1"}})
	r.owners.setChild("pod1", []metav1.OwnerReference{{UID: "job1"}})
	r.owners.setChild("stray", []metav1.OwnerReference{{UID: "elsewhere"}})
}

// The owner chain Backup -> Job -> Pod, resolved at match time.
func TestOwnerChain(t *testing.T) {
	r, _ := newTestRunner(Options{})
	owned(r)
	for uid, want := range map[types.UID]bool{"b1": true, "job1": true, "pod1": true, "stray": false, "nope": false} {
		if _, ok := r.owners.backupOf(uid); ok != want {
			t.Errorf("%s: owned = %v", uid, ok)
		}
	}
	r.owners.remove("job1")
	if _, ok := r.owners.backupOf("pod1"); ok {
		t.Error("a pod whose job is gone still matched")
	}
}

// An event is shown once per resourceVersion: an update is shown again,
// an unchanged one (a relist after 410) is not; a deletion forgets it.
func TestDedupe(t *testing.T) {
	r, out := newTestRunner(Options{Watch: true, Now: func() time.Time { return t0 }})
	owned(r)
	e := ev("e1", "10", "Pod", "pod1", "Warning", "BackOff", t0)
	for range 2 {
		if _, err := r.handle(watch.Event{Type: watch.Added, Object: e}); err != nil {
			t.Fatal(err)
		}
	}
	upd := e.DeepCopy()
	upd.ResourceVersion, upd.Count = "11", 2
	_, _ = r.handle(watch.Event{Type: watch.Modified, Object: upd})
	// A label added: a new resourceVersion, nothing a reader sees.
	labelled := upd.DeepCopy()
	labelled.ResourceVersion, labelled.Labels = "12", map[string]string{"x": "y"}
	_, _ = r.handle(watch.Event{Type: watch.Modified, Object: labelled})
	if len(*out) != 2 || (*out)[1].Count != 2 || (*out)[0].Backup.Name != "nightly" {
		t.Fatalf("got %+v", *out)
	}
	_, _ = r.handle(watch.Event{Type: watch.Deleted, Object: upd})
	if len(r.printed) != 0 {
		t.Errorf("a deleted event is still remembered: %v", r.printed)
	}
}

// Filters: type, since, not a backup's object (by UID, not by name).
func TestFilters(t *testing.T) {
	r, _ := newTestRunner(Options{Types: []string{"Warning"}, Since: time.Hour})
	owned(r)
	cases := map[string]*corev1.Event{
		"normal":    ev("a", "1", "Backup", "b1", "Normal", "R", t0),
		"old":       ev("b", "1", "Backup", "b1", "Warning", "R", t0.Add(-2*time.Hour)),
		"namesake":  ev("c", "1", "Backup", "other-uid", "Warning", "R", t0),
		"unrelated": ev("d", "1", "ConfigMap", "cm", "Warning", "R", t0),
	}
	for name, e := range cases {
		if got := r.consider(e, t0); got != nil {
			t.Errorf("%s: shown %+v", name, got)
		}
	}
	got := r.consider(ev("e", "1", "Job", "job1", "Warning", "BackoffLimitExceeded", t0), t0)
	if got == nil || !got.Retry || got.Kind != EventKind || got.Backup.Group != "pingcap.com" {
		t.Errorf("owned job's warning: %+v", got)
	}
}

// An event of a Pod not known yet is held, shown once its chain is known,
// and dropped after the hold; the held set is bounded.
func TestHeldEvents(t *testing.T) {
	r, out := newTestRunner(Options{Watch: true, Hold: 5 * time.Second})
	owned(r)
	if r.consider(ev("e1", "1", "Pod", "pod2", "Normal", "Pulled", t0), t0) != nil {
		t.Fatal("shown before its pod is known")
	}
	_ = r.consider(ev("e2", "1", "Pod", "pod3", "Normal", "Pulled", t0), t0)
	_ = r.consider(ev("e3", "1", "ConfigMap", "cm", "Normal", "X", t0), t0)
	if len(r.held) != 2 {
		t.Fatalf("held %d, want 2 (a ConfigMap's event is not held)", len(r.held))
	}
	r.owners.setChild("pod2", []metav1.OwnerReference{{UID: "job1"}})
	if err := r.recheck(t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if len(*out) != 1 || (*out)[0].UID != "e1" {
		t.Fatalf("after the pod is known: %+v", *out)
	}
	_ = r.recheck(t0.Add(10 * time.Second))
	if len(r.held) != 0 {
		t.Errorf("held past the hold: %d", len(r.held))
	}
	for i := range maxHeld + 50 {
		_ = r.consider(ev(strings.Repeat("u", i+1), "1", "Pod", "unknown", "Normal", "X", t0), t0.Add(time.Duration(i)))
	}
	if len(r.held) != maxHeld {
		t.Errorf("held %d, want at most %d", len(r.held), maxHeld)
	}
}

// A 410 asks for a relist; a refused watch ends with the permission.
func TestWatchErrors(t *testing.T) {
	r, _ := newTestRunner(Options{Namespace: ""})
	gone := apierrors.NewResourceExpired("too old resource version").ErrStatus
	if expired, err := r.handle(watch.Event{Type: watch.Error, Object: &gone}); !expired || err != nil {
		t.Errorf("410: %v %v", expired, err)
	}
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "events"}, "", errors.New(`User "u" cannot watch resource "events"`)).ErrStatus
	_, err := r.handle(watch.Event{Type: watch.Error, Object: &forbidden})
	if err == nil || !strings.Contains(err.Error(), `missing permission to watch events (API group "" (core)) in all namespaces`) {
		t.Errorf("forbidden: %v", err)
	}
}

// An outage is said once until the watch is back.
func TestOutageSaidOnce(t *testing.T) {
	var said []string
	r, _ := newTestRunner(Options{Warn: func(s string) { said = append(said, s) }})
	for range 3 {
		r.lost("events", errors.New("connection refused"))
	}
	r.back()
	r.back()
	if len(said) != 2 || !strings.Contains(said[0], "lost the watch of events: connection refused; reconnecting") || !strings.Contains(said[1], "back") {
		t.Errorf("said %q", said)
	}
}

// stopCause tells a fatal stop from the caller's cancellation.
func TestStopCause(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&fatal{errors.New("permission gone")})
	if err := stopCause(ctx); err == nil || err.Error() != "permission gone" {
		t.Errorf("fatal: %v", err)
	}
	ctx, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := stopCause(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
