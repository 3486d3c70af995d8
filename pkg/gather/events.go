package gather

import (
	"context"
	"sort"
	"sync"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/stream"
)

// EventTTLNote explains an empty list: the API server forgets events.
const EventTTLNote = "no events: the API server keeps events for about an hour (--event-ttl), so an older failure has none; the retry history above is then the only record"

// gatherEvents reads the events of each object by its UID: a name match
// would also return events of any other kind's object with that name.
func gatherEvents(ctx context.Context, kube kubernetes.Interface, ns string, uids []types.UID, slots *semaphore.Weighted) ([]report.Event, error) {
	var mu sync.Mutex
	var out []report.Event
	g, ctx := errgroup.WithContext(ctx)
	for _, uid := range uids {
		g.Go(func() error {
			if err := slots.Acquire(ctx, 1); err != nil {
				return err
			}
			defer slots.Release(1)
			sel := fields.OneTermEqualSelector("involvedObject.uid", string(uid)).String()
			list, err := kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: sel})
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for i := range list.Items {
				out = append(out, eventFrom(&list.Items[i]))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// sortEvents orders by last seen, newest first.
func sortEvents(evs []report.Event) {
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].LastSeen.After(evs[j].LastSeen) })
}

func eventFrom(e *corev1.Event) report.Event {
	out := report.Event{
		Object:   e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name,
		Type:     e.Type,
		Reason:   e.Reason,
		Message:  e.Message,
		Count:    e.Count,
		LastSeen: stream.LastSeen(e),
	}
	if out.Count == 0 {
		out.Count = 1
	}
	if !e.FirstTimestamp.IsZero() {
		t := e.FirstTimestamp.Time
		out.FirstSeen = &t
	}
	out.Retry = report.IsRetryReason(e.Reason)
	return out
}
