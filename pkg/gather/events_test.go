package gather

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
)

// The events of many objects are read in parallel, never more at once than
// the shared bound, and each by its UID. A real client against an HTTP
// server: the fake clientset runs its reactors one at a time.
func TestEventsFanOutIsBoundedAndByUID(t *testing.T) {
	const objects, bound = 20, 3
	var (
		mu             sync.Mutex
		inFlight, peak int
		asked          = map[string]int{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		time.Sleep(20 * time.Millisecond) // long enough for the others to pile up

		sel, err := fields.ParseSelector(r.URL.Query().Get("fieldSelector"))
		uid, ok := "", false
		if err == nil {
			uid, ok = sel.RequiresExactMatch("involvedObject.uid")
		}
		if r.URL.Path != "/api/v1/namespaces/tidb/events" || !ok {
			http.Error(w, "want the events of one object by UID, got "+r.URL.String(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		asked[uid]++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(corev1.EventList{Items: []corev1.Event{{
			ObjectMeta:     metav1.ObjectMeta{Name: "e-" + uid, Namespace: "tidb"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "p-" + uid, UID: types.UID(uid)},
			Reason:         "BackOff",
		}}})
	}))
	defer srv.Close()
	kube, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	uids := make([]types.UID, objects)
	for i := range uids {
		uids[i] = types.UID(fmt.Sprintf("uid-%02d", i))
	}

	evs, err := gatherEvents(context.Background(), kube, "tidb", uids, semaphore.NewWeighted(bound))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != objects {
		t.Errorf("%d events, want one per object (%d)", len(evs), objects)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, uid := range uids {
		if asked[string(uid)] != 1 {
			t.Errorf("events of %s asked for %d times, want once", uid, asked[string(uid)])
		}
	}
	// The lower bound relies on 20 goroutines starting within the 20 ms a
	// request takes; it guards against a bound of one (no parallelism).
	if peak > bound || peak < 2 {
		t.Errorf("at most %d lists at once, want between 2 and the bound %d", peak, bound)
	}
}

// One failing list fails the section (which the caller records), not the
// command, and the section says what failed in the server's words.
func TestEventsErrorIsTheSections(t *testing.T) {
	kube := fake.NewClientset()
	kube.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, fmt.Errorf("boom")
	})
	_, err := gatherEvents(context.Background(), kube, "tidb", []types.UID{"a", "b"}, semaphore.NewWeighted(2))
	sec := eventsSection("tidb", nil, err)
	if !strings.Contains(sec.Error, "boom") || !strings.Contains(sec.Error, "events") || sec.Items == nil || sec.Note != "" {
		t.Errorf("section: %+v", sec)
	}
}
