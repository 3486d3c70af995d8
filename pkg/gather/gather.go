package gather

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
	"k8s.io/apimachinery/pkg/types"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Options tune what investigate reads.
type Options struct {
	APIGroup            string        // --api-group: "" searches every served group
	Tail                int64         // lines of the failed pod's log
	ControllerTail      int           // controller lines kept
	ControllerNamespace string        // "" = all namespaces
	ControllerSelector  string        // "" = the operator's default for the group
	Since               time.Duration // 0 = from a little before the first retry
	LimitBytes          int64         // per log read
	Parallel            int           // bound on concurrent API requests
	Now                 time.Time
	// Prometheus: where the metrics section comes from; nil leaves it out.
	Prometheus *Prometheus
	// Timeline: also read what only a timeline shows (the pod log's error
	// lines with their times); plain investigate reads what it always did.
	Timeline bool
}

// sinceMargin is how far before the first sign of trouble the controller
// log is read, to include what led up to it.
const sinceMargin = 5 * time.Minute

// Investigate gathers the report. The error is non-nil only when the
// backup itself could not be read; every other failure stays in its section.
func Investigate(ctx context.Context, c backupapi.Clients, ref backup.Ref, o Options) (*report.Report, error) {
	prom := connectPrometheus(ctx, o.Prometheus, ref.Namespace)
	// Discovery and the GET of the backup go out together: the backup is
	// on every path that follows, so its round trip is the one to save.
	found, _, err := backupapi.DiscoverAndFind(ctx, c.Kube.Discovery().RESTClient(), c.Dynamic, o.APIGroup, ref)
	if err != nil {
		return nil, err
	}
	api := found.API
	b, err := backup.FromUnstructured(found.Object)
	if err != nil {
		return nil, err
	}
	rep := report.New(ref, o.Now)
	rep.Backup = report.NewBackupSection(b, api.StatusSubresource, o.Now)

	// Three independent chains run at once; each writes only its own
	// section, and the events of the backup and its children are merged
	// after all of them finish. Their fan-outs (events per object, logs
	// per controller pod) share one bound of o.Parallel requests; the
	// controller's take at most MaxControllerPods of them.
	slots := semaphore.NewWeighted(int64(max(o.Parallel, 1)))
	var wg sync.WaitGroup
	var backupEvents, childEvents []report.Event
	var backupEventsErr, childEventsErr error
	wg.Go(func() {
		backupEvents, backupEventsErr = gatherEvents(ctx, c.Kube, b.Namespace, []types.UID{types.UID(b.UID)}, slots)
	})
	wg.Go(func() {
		w := gatherWorkload(ctx, c.Kube, b)
		rep.Workload = w.section
		var inner sync.WaitGroup
		inner.Go(func() {
			childEvents, childEventsErr = gatherEvents(ctx, c.Kube, b.Namespace, w.uids, slots)
		})
		inner.Go(func() {
			if w.section.Error != "" {
				rep.PodLog = report.PodLogSection{Lines: []string{}, Error: "not read: the backup's pods could not be listed"}
				return
			}
			rep.PodLog = gatherPodLog(ctx, c.Kube, b.Namespace, w.section.Pods, o.Tail, o.LimitBytes, o.Timeline)
		})
		inner.Wait()
	})
	wg.Go(func() {
		rep.Controller = gatherController(ctx, c.Kube, ref, controllerQuery{
			namespace:  o.ControllerNamespace,
			selector:   firstNonEmpty(o.ControllerSelector, ControllerSelectorFor(b.Group)),
			since:      controllerSince(b, o),
			limitBytes: o.LimitBytes,
			keep:       o.ControllerTail,
			slots:      slots,
		})
	})
	// The field diagnoses' reads: the storage Secret's key names and the
	// service account; the other log backups of the same TiDB cluster.
	wg.Go(func() { rep.Storage = gatherStorage(ctx, c.Kube, b) })
	wg.Go(func() { rep.ClusterBackups = gatherClusterBackups(ctx, c, api, b) })
	if o.Prometheus != nil {
		wg.Go(func() { rep.Metrics = gatherMetrics(ctx, o.Prometheus, prom, b, o.Now) })
	} else {
		rep.Metrics = report.MetricsSection{Skipped: "not queried"}
	}
	wg.Wait()
	rep.Events = eventsSection(b.Namespace, append(backupEvents, childEvents...), backupEventsErr, childEventsErr)
	return rep, nil
}

func eventsSection(ns string, evs []report.Event, errs ...error) report.EventsSection {
	sec := report.EventsSection{Items: evs}
	for _, err := range errs {
		if err != nil {
			sec.Error = sectionError(backupapi.Access(err, "list", "", "events", "", ns))
			break
		}
	}
	if sec.Items == nil {
		sec.Items = []report.Event{}
	}
	sortEvents(sec.Items)
	if len(sec.Items) == 0 && sec.Error == "" {
		sec.Note = EventTTLNote
	}
	return sec
}

// controllerSince starts the controller log a little before the first
// retry detection; without records, before the newest condition change;
// without either, at the backup's creation.
func controllerSince(b *backup.Backup, o Options) time.Time {
	if o.Since > 0 {
		return o.Now.Add(-o.Since)
	}
	start := b.Created
	switch {
	case len(b.Records) > 0 && b.Records[0].DetectFailedAt != nil:
		start = *b.Records[0].DetectFailedAt
	case len(b.Conditions) > 0 && b.Conditions[0].LastTransitionTime != nil:
		start = *b.Conditions[0].LastTransitionTime
	}
	return start.Add(-sinceMargin)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
