package stream

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// Options select the events.
type Options struct {
	Namespace string           // "" = all namespaces
	Backup    string           // one backup's name; "" = every backup
	APIs      []backupapi.API  // the Backup groups read
	Jobs      bool             // the Jobs (and so their Pods) may be read
	Pods      bool             // the Pods may be read
	Types     []string         // event types shown; none = all
	Since     time.Duration    // only events last seen this recently; 0 = all
	Watch     bool             // go on after the list
	Now       func() time.Time // injected for tests
	Warn      func(string)     // says an outage or a gap, once; from any goroutine
	Hold      time.Duration    // how long an event of a not yet known Job or Pod waits; 0 = DefaultHold
	PageSize  int64            // events per list page; 0 = backupapi.DefaultPageSize
}

// DefaultHold: an event of a new Pod can arrive before the Pod informer
// has the Pod; it waits this long for its owner chain to be known.
const DefaultHold = 10 * time.Second

// maxHeld bounds the events waiting for their owner: a namespace full of
// other pods' events must not grow memory.
const maxHeld = 1000

// Events lists the events of the backups in scope, oldest first, and hands
// them to emit as one batch (also when there are none); with Watch it then
// streams each new or changed event as a batch of one, until ctx ends.
// emit is called from one goroutine. The error names a missing permission;
// a stream that was only interrupted by ctx returns ctx's cause.
func Events(ctx context.Context, c backupapi.Clients, o Options, emit func([]Event) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Warn == nil {
		o.Warn = func(string) {}
	}
	if o.Hold <= 0 {
		o.Hold = DefaultHold
	}
	if o.PageSize <= 0 {
		o.PageSize = backupapi.DefaultPageSize
	}
	r := &runner{c: c, o: o, emit: emit, stopWith: cancel, owners: newOwners(),
		changed: make(chan struct{}, 1), printed: map[types.UID]uint64{}, held: map[types.UID]heldEvent{},
		outages: map[string]bool{}}
	synced := r.startInformers(ctx)
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return stopCause(ctx)
	}
	rv, err := r.list(ctx, true)
	if err != nil {
		return err
	}
	if !o.Watch {
		return nil
	}
	for {
		expired, err := r.follow(ctx, rv)
		if err != nil || !expired {
			return err
		}
		// 410 Gone: the resourceVersion was compacted away. List again;
		// what was printed at its current version is not printed again.
		if rv, err = r.list(ctx, false); err != nil {
			return err
		}
	}
}

// runner is one run of Events.
type runner struct {
	c        backupapi.Clients
	o        Options
	emit     func([]Event) error
	stopWith context.CancelCauseFunc
	owners   *owners
	changed  chan struct{}
	// printed: a fingerprint of what was last shown of each event (its
	// type, reason, message, count and last time), so a relist, or an
	// update that changes nothing shown (a label), prints nothing again.
	// An entry goes when its event is deleted (events expire) or is
	// missing from a relist.
	printed map[types.UID]uint64
	// held: events of a Backup, Job or Pod not known yet.
	held map[types.UID]heldEvent

	mu      sync.Mutex
	outages map[string]bool // what an outage was said of, until it ends
}

type heldEvent struct {
	event *corev1.Event
	until time.Time
}

// fatal is the cause a stream stops with when it cannot go on.
type fatal struct{ err error }

func (f *fatal) Error() string { return f.err.Error() }

func (r *runner) stop(err error) { r.stopWith(&fatal{err}) }

// stopCause is why ctx ended: the error that stopped the stream, or the
// caller's cancellation (an interrupt, a deadline).
func stopCause(ctx context.Context) error {
	cause := context.Cause(ctx)
	var f *fatal
	if errors.As(cause, &f) {
		return f.err
	}
	if cause == nil {
		return ctx.Err()
	}
	return cause
}

// lost says once that a stream is down; the informers and the retry
// watcher reconnect by themselves.
func (r *runner) lost(what string, err error) {
	r.mu.Lock()
	said := r.outages[what]
	r.outages[what] = true
	r.mu.Unlock()
	if !said {
		r.o.Warn(fmt.Sprintf("lost the watch of %s: %v; reconnecting", what, err))
	}
}

// back says that the events' stream is up again after an outage.
func (r *runner) back() {
	r.mu.Lock()
	down := len(r.outages) > 0
	clear(r.outages)
	r.mu.Unlock()
	if down {
		r.o.Warn("the watch is back; events of the outage are shown as they arrive")
	}
}

// fieldSelector narrows the events on the server when one type is asked.
func (r *runner) fieldSelector() string {
	if len(r.o.Types) == 1 {
		return fields.OneTermEqualSelector("type", r.o.Types[0]).String()
	}
	return ""
}

// list reads every event in scope page by page, keeps those of the
// backups, emits them oldest first and returns the list's resourceVersion.
// Not the first time (after a 410), only events not shown at their
// current version are emitted, and the dedupe set forgets the events
// that are gone.
func (r *runner) list(ctx context.Context, first bool) (string, error) {
	events := r.c.Kube.CoreV1().Events(r.o.Namespace)
	opts := metav1.ListOptions{Limit: r.o.PageSize, FieldSelector: r.fieldSelector()}
	var batch []Event
	present := map[types.UID]bool{}
	rv := ""
	for {
		page, err := events.List(ctx, opts)
		if apierrors.IsResourceExpired(err) && opts.Continue != "" {
			// The snapshot went away between pages: start over.
			opts.Continue, rv, batch = "", "", nil
			clear(present)
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return "", stopCause(ctx)
			}
			return "", backupapi.Access(err, "list", "", "events", "", r.o.Namespace)
		}
		if rv == "" {
			rv = page.ResourceVersion // the first page's is the whole list's
		}
		now := r.o.Now()
		for i := range page.Items {
			e := &page.Items[i]
			present[e.UID] = true
			if ev := r.consider(e, now); ev != nil {
				batch = append(batch, *ev)
			}
		}
		if opts.Continue = page.Continue; opts.Continue == "" {
			break
		}
	}
	if !first {
		for uid := range r.printed {
			if !present[uid] {
				delete(r.printed, uid)
			}
		}
	}
	sortOldestFirst(batch)
	if first || len(batch) > 0 {
		if err := r.emit(batch); err != nil {
			return "", err
		}
	}
	return rv, nil
}

func sortOldestFirst(evs []Event) {
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].LastSeen.Before(evs[j].LastSeen) })
}

// wanted: the flags' filters (--types, --since).
func (r *runner) wanted(e *corev1.Event, now time.Time) bool {
	if len(r.o.Types) > 0 && !slices.Contains(r.o.Types, e.Type) {
		return false
	}
	return r.o.Since <= 0 || !LastSeen(e).Before(now.Add(-r.o.Since))
}

// consider returns the event to show, or nil: not a backup's, filtered
// out, or already shown at this version. An event of an object not (yet)
// on an owner chain is held a while when the object could be one.
func (r *runner) consider(e *corev1.Event, now time.Time) *Event {
	if !r.wanted(e, now) {
		return nil
	}
	b, ok := r.owners.backupOf(e.InvolvedObject.UID)
	if !ok {
		if r.o.Watch && mayBeOwned(e.InvolvedObject.Kind) {
			r.hold(e, now)
		}
		return nil
	}
	delete(r.held, e.UID)
	fp := fingerprint(e)
	if v, shown := r.printed[e.UID]; shown && v == fp {
		return nil
	}
	r.printed[e.UID] = fp
	ev := eventFrom(e, b)
	return &ev
}

// fingerprint is what a reader sees of an event, hashed: it changes when
// the event is seen again (count, time) or reworded, not when only its
// metadata does.
func fingerprint(e *corev1.Event) uint64 {
	h := fnv.New64a()
	for _, s := range []string{e.Type, e.Reason, e.Message, strconv.Itoa(int(e.Count)), LastSeen(e).UTC().Format(time.RFC3339Nano)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

func mayBeOwned(kind string) bool { return kind == "Backup" || kind == "Job" || kind == "Pod" }

// hold keeps an event until its object may be known; when full, the one
// nearest its end makes room.
func (r *runner) hold(e *corev1.Event, now time.Time) {
	if _, ok := r.held[e.UID]; !ok && len(r.held) >= maxHeld {
		var oldest types.UID
		var first time.Time
		for uid, h := range r.held {
			if oldest == "" || h.until.Before(first) {
				oldest, first = uid, h.until
			}
		}
		delete(r.held, oldest)
	}
	kept := e.DeepCopy()
	kept.ManagedFields = nil
	r.held[e.UID] = heldEvent{event: kept, until: now.Add(r.o.Hold)}
}

// recheck emits the held events whose owner is now known and forgets
// those held too long.
func (r *runner) recheck(now time.Time) error {
	var batch []Event
	for uid, h := range r.held {
		if now.After(h.until) {
			delete(r.held, uid)
			continue
		}
		if _, ok := r.owners.backupOf(h.event.InvolvedObject.UID); ok {
			if ev := r.consider(h.event, now); ev != nil {
				batch = append(batch, *ev)
			}
		}
	}
	sortOldestFirst(batch)
	for _, ev := range batch {
		if err := r.emit([]Event{ev}); err != nil {
			return err
		}
	}
	return nil
}

// follow watches from rv until ctx ends (nil error or ctx's cause), the
// resourceVersion expires (true), or the stream cannot go on (the error).
// client-go's RetryWatcher reconnects a dropped watch from the last
// version it saw.
func (r *runner) follow(ctx context.Context, rv string) (bool, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := watchtools.NewRetryWatcherWithContext(wctx, rv, &cache.ListWatch{WatchFuncWithContext: r.watchEvents})
	if err != nil {
		return false, err
	}
	defer w.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, stopCause(ctx)
		case <-r.changed:
			if err := r.recheck(r.o.Now()); err != nil {
				return false, err
			}
		case <-tick.C:
			if err := r.recheck(r.o.Now()); err != nil {
				return false, err
			}
		case ev, ok := <-w.ResultChan():
			if !ok {
				if ctx.Err() != nil {
					return false, stopCause(ctx)
				}
				return true, nil // the watcher gave up: list again
			}
			if expired, err := r.handle(ev); expired || err != nil {
				return expired, err
			}
		}
	}
}

// handle takes one watch event.
func (r *runner) handle(ev watch.Event) (expired bool, err error) {
	switch ev.Type {
	case watch.Added, watch.Modified:
		e, ok := ev.Object.(*corev1.Event)
		if !ok {
			return false, nil
		}
		if out := r.consider(e, r.o.Now()); out != nil {
			return false, r.emit([]Event{*out})
		}
	case watch.Deleted:
		if e, ok := ev.Object.(*corev1.Event); ok {
			delete(r.printed, e.UID)
			delete(r.held, e.UID)
		}
	case watch.Error:
		err := apierrors.FromObject(ev.Object)
		switch {
		case apierrors.IsResourceExpired(err) || apierrors.IsGone(err):
			return true, nil
		case apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err):
			return false, backupapi.Access(err, "watch", "", "events", "", r.o.Namespace)
		}
		return true, nil // anything else: list again rather than miss events
	}
	return false, nil
}

// watchEvents starts one watch of the events for the RetryWatcher. A 410
// when the watch starts is turned into the 410 event the RetryWatcher
// stops on (it would retry it for ever), and an outage is said once.
func (r *runner) watchEvents(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
	o.FieldSelector = r.fieldSelector()
	w, err := r.c.Kube.CoreV1().Events(r.o.Namespace).Watch(ctx, o)
	switch {
	case apierrors.IsResourceExpired(err) || apierrors.IsGone(err):
		st := apierrors.NewResourceExpired(err.Error()).ErrStatus
		ch := make(chan watch.Event, 1)
		ch <- watch.Event{Type: watch.Error, Object: &st}
		return watch.NewProxyWatcher(ch), nil
	case err != nil && ctx.Err() == nil && !apierrors.IsForbidden(err) && !apierrors.IsUnauthorized(err):
		r.lost(`events (API group "" (core))`, err)
	case err == nil:
		r.back()
	}
	return w, err
}
