// Package exporter derives the seed's six tidb_operator_log_backup_retry_*
// metrics from what the cluster records in each Backup's status.
//
// The Tracker is the state machine: it sees each backup as an informer
// hands it over and says what that observation adds to the metrics
// (Deltas). It holds no client and no metric, so every transition is a
// unit test.
package exporter

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Series names a backup's metrics.
type Series struct{ Namespace, Backup string }

// Reasons of retry_total: a small fixed vocabulary, never free text.
const (
	ReasonJobFailed        = "JobFailed"
	ReasonPodFailed        = "PodFailed"
	ReasonOOMKilled        = "OOMKilled"
	ReasonEvicted          = "Evicted"
	ReasonDeadlineExceeded = "DeadlineExceeded"
	ReasonOther            = "Other"
)

// Deltas is what one observation of a backup adds to its metrics.
type Deltas struct {
	Series Series
	// Current is retry_current's value: the records of a backup still in
	// its retry story, else 0.
	Current int
	// Retries has one reason per new retry record (retry_total).
	Retries []string
	// Durations: realRetryAt - detectFailedAt of each retry that ran.
	Durations []time.Duration
	// Successes and Failures count retry results (retry_result_total).
	Successes, Failures int
	// Exhausted and TimedOut: the backup failed on its retry count, or on
	// its retry timeout (counted once per backup).
	Exhausted, TimedOut bool
	// Info labels the info metric; Checkpoint is a log backup's
	// checkpoint (nil when it has none or it cannot be read).
	Info       Info
	Checkpoint *time.Time
	// Hidden: a backup of the other API group with the same namespace and
	// name was seen first and owns the series (the seed's labels carry no
	// group); this backup's metrics are not exported while it does.
	Hidden bool
}

// Info is what the info metric says of a backup, beside its series.
type Info struct {
	Group, Mode, Cluster, ClusterNamespace, Phase string
}

// Tracker keeps per backup (by UID) only what the counters need.
type Tracker struct {
	backups map[string]*tracked
	// owner: the UID whose metrics a series shows.
	owner map[Series]string
}

type recordKey struct {
	num      int
	detected int64 // detectFailedAt in Unix nanoseconds; 0 when absent
	// pos is the record's place in the list, only for a record without
	// detectFailedAt (its number alone may be unreadable, 0 for all).
	pos int
}

// maxKeysKept bounds the records remembered per backup after they left
// the status (a status of thousands of records is hostile, not a retry
// story).
const maxKeysKept = 1024

type tracked struct {
	series  Series
	counted map[recordKey]bool // records counted in retry_total
	ran     map[recordKey]bool // records whose retry was seen to run
	// awaiting: a retry ran and its result is not counted yet.
	awaiting bool
	// ended: the exhaustion (count or timeout) was counted, for the
	// retry story that began with endedFirst (the first record then);
	// a reset that removes that record opens a new story.
	ended      bool
	endedFirst recordKey
}

// NewTracker is an empty tracker.
func NewTracker() *Tracker {
	return &Tracker{backups: map[string]*tracked{}, owner: map[Series]string{}}
}

// Observe takes one observation of b. A baseline observation (the first
// list after the exporter starts) remembers what is there and counts
// nothing: records already present were retries before this process, and
// counting them again after every restart would make rates lie.
func (t *Tracker) Observe(b *backup.Backup, now time.Time, baseline bool) Deltas {
	tr, ok := t.backups[b.UID]
	if !ok {
		tr = &tracked{counted: map[recordKey]bool{}, ran: map[recordKey]bool{}}
		t.backups[b.UID] = tr
	}
	tr.series = Series{Namespace: b.Namespace, Backup: b.Name}
	d := Deltas{Series: tr.series, Info: Info{Group: b.Group, Mode: b.Mode, Cluster: b.Cluster, ClusterNamespace: b.ClusterNamespace, Phase: b.Phase}}
	if o, ok := t.owner[tr.series]; !ok {
		t.owner[tr.series] = b.UID
	} else {
		d.Hidden = o != b.UID
	}
	if b.IsLog() {
		// A checkpoint in the future (beyond clock skew) is not one: a
		// hostile or broken value would silence every lag alert.
		if cp, ok := backup.CheckpointTime(b.CheckpointTS); ok && !cp.After(now.Add(time.Hour)) {
			d.Checkpoint = &cp
		}
	}
	// In retry order, whatever order the status lists them in.
	records := slices.Clone(b.Records)
	slices.SortStableFunc(records, func(a, b backup.RetryRecord) int {
		return cmp.Or(cmp.Compare(a.RetryNum, b.RetryNum), cmp.Compare(unixNano(a.DetectFailedAt), unixNano(b.DetectFailedAt)))
	})
	present := map[recordKey]bool{}
	for i, r := range records {
		k := keyOf(r, i)
		present[k] = true
		if !tr.counted[k] {
			tr.counted[k] = true
			if !baseline {
				d.Retries = append(d.Retries, ReasonOf(r))
				if tr.awaiting { // the retry that ran was followed by a new failure
					d.Failures++
				}
			}
			tr.awaiting = false
		}
		if r.RealRetryAt != nil && !tr.ran[k] {
			tr.ran[k] = true
			if !baseline && r.DetectFailedAt != nil {
				d.Durations = append(d.Durations, max(r.RealRetryAt.Sub(*r.DetectFailedAt), 0))
			}
			tr.awaiting = true
		}
	}
	// Records that left the status: one with its detectFailedAt is
	// remembered (if it comes back — a status written from a stale copy, a
	// field briefly unreadable — it is the same retry, not a new one; after
	// a reset the controller's new records have new times). One without
	// is known by its place only, and forgotten.
	for k := range tr.counted {
		if !present[k] && (k.detected == 0 || len(tr.counted) > maxKeysKept) {
			delete(tr.counted, k)
			delete(tr.ran, k)
		}
	}
	if tr.ended && !present[tr.endedFirst] && b.Phase != backup.PhaseFailed {
		tr.ended = false // a reset: the next exhaustion is a new one
	}

	rep := report.New(backup.Ref{Namespace: b.Namespace, Name: b.Name}, now)
	rep.Backup = report.NewBackupSection(b, false, now)
	s := *rep.Backup.Retry
	resultKnown := b.Phase == backup.PhaseFailed || !s.Retrying && (b.Phase == backup.PhaseRunning || b.Phase == backup.PhaseComplete)
	switch {
	case baseline:
		// A retry that ran before the start and has its result already
		// is history; one still waiting for its result is counted when
		// the result comes.
		tr.awaiting = tr.awaiting && !resultKnown
	case tr.awaiting && b.Phase == backup.PhaseFailed:
		d.Failures++
		tr.awaiting = false
	case tr.awaiting && !s.Retrying && (b.Phase == backup.PhaseRunning || b.Phase == backup.PhaseComplete):
		d.Successes++
		tr.awaiting = false
	}
	if s.ExhaustedBy != "" && !tr.ended {
		tr.ended = true
		if len(records) > 0 {
			tr.endedFirst = keyOf(records[0], 0)
		}
		if !baseline {
			d.Exhausted = s.ExhaustedBy == backup.ExhaustedByCount
			d.TimedOut = s.ExhaustedBy == backup.ExhaustedByTimeout
		}
	}
	if s.Retrying || diagnose.RetryRunning(rep) {
		d.Current = len(b.Records)
	}
	return d
}

// Forget drops a deleted backup. owned says whether its series showed its
// metrics (they go); successor is the UID of a backup of the other group
// with the same series that waited behind it ("" when none): observe it
// again, and the series shows it from then on.
func (t *Tracker) Forget(uid string) (s Series, owned bool, successor string) {
	tr, ok := t.backups[uid]
	if !ok {
		return Series{}, false, ""
	}
	delete(t.backups, uid)
	if t.owner[tr.series] != uid {
		return tr.series, false, ""
	}
	delete(t.owner, tr.series)
	for u, o := range t.backups {
		if o.series == tr.series {
			successor = u
			break
		}
	}
	return tr.series, true, successor
}

// Hidden counts the backups whose series another group's backup owns.
func (t *Tracker) Hidden() int {
	n := 0
	for uid, tr := range t.backups {
		if t.owner[tr.series] != uid {
			n++
		}
	}
	return n
}

// Len is the number of backups tracked.
func (t *Tracker) Len() int { return len(t.backups) }

func keyOf(r backup.RetryRecord, pos int) recordKey {
	k := recordKey{num: r.RetryNum, detected: unixNano(r.DetectFailedAt)}
	if k.detected == 0 {
		k.pos = pos
	}
	return k
}

func unixNano(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixNano()
}

// ReasonOf maps a record to the fixed vocabulary, from the Job's failure
// reason first (originalReason), then the controller's text.
func ReasonOf(r backup.RetryRecord) string {
	orig := strings.ToLower(r.OriginalReason)
	why := strings.ToLower(r.RetryReason)
	switch {
	case strings.Contains(orig, "oomkilled"):
		return ReasonOOMKilled
	case strings.Contains(orig, "evicted"):
		return ReasonEvicted
	case strings.Contains(orig, "deadlineexceeded"):
		return ReasonDeadlineExceeded
	case strings.Contains(orig, "backofflimitexceeded"), strings.Contains(why, "job") && strings.Contains(why, "fail"):
		return ReasonJobFailed
	case strings.Contains(orig, "pod"), strings.Contains(why, "pod"):
		return ReasonPodFailed
	}
	return ReasonOther
}
