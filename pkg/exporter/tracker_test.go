package exporter

import (
	"slices"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func at(m int) *time.Time { t := t0.Add(time.Duration(m) * time.Minute); return &t }

// rec is record n, detected at minute n*10, expected 5 minutes later,
// and run then when ran.
func rec(n int, ran bool) backup.RetryRecord {
	r := backup.RetryRecord{RetryNum: n, DetectFailedAt: at(n * 10), ExpectedRetryAt: at(n*10 + 5),
		RetryReason: "Job tidb/backup-x has failed", OriginalReason: "BackoffLimitExceeded"}
	if ran {
		r.RealRetryAt = at(n*10 + 5)
	}
	return r
}

func bk(phase string, records ...backup.RetryRecord) *backup.Backup {
	return &backup.Backup{Group: backup.GroupV1, Namespace: "tidb", Name: "x", UID: "u1", Mode: "snapshot", Phase: phase,
		Policy:  backup.RetryPolicy{MaxRetryTimes: 2, MinRetryDuration: backup.DefaultMinRetryDuration, RetryTimeout: backup.Duration(2 * time.Hour)},
		Records: records}
}

func failed(b *backup.Backup, reason, message string) *backup.Backup {
	b.Phase = backup.PhaseFailed
	b.Conditions = []backup.Condition{{Type: backup.PhaseFailed, Status: "True", Reason: reason, Message: message, LastTransitionTime: at(60)}}
	return b
}

// total sums a sequence of observations.
type total struct {
	retries             []string
	durations           []time.Duration
	success, failure    int
	exhausted, timedOut int
	current             int
}

func run(t *testing.T, tr *Tracker, steps ...*backup.Backup) total {
	t.Helper()
	var sum total
	for i, b := range steps {
		d := tr.Observe(b, t0.Add(time.Duration(i)*time.Minute), false)
		sum.retries = append(sum.retries, d.Retries...)
		sum.durations = append(sum.durations, d.Durations...)
		sum.success += d.Successes
		sum.failure += d.Failures
		if d.Exhausted {
			sum.exhausted++
		}
		if d.TimedOut {
			sum.timedOut++
		}
		sum.current = d.Current
	}
	return sum
}

// v1: records appended one by one while the phase stays Scheduled, each
// retry runs, the third failure exhausts the count.
func TestRetriesThenExhausted(t *testing.T) {
	tr := NewTracker()
	s := run(t, tr,
		bk("Running"),
		bk("Scheduled", rec(1, false)),
		bk("RetryFailed", rec(1, true)),
		bk("Scheduled", rec(1, true), rec(2, false)),
		bk("RetryFailed", rec(1, true), rec(2, true)),
		bk("Scheduled", rec(1, true), rec(2, true), rec(3, false)),
		failed(bk("", rec(1, true), rec(2, true), rec(3, false)), "AlreadyFailed", "exceed retry times, max is 2, failed reason R, original reason O"),
	)
	if !slices.Equal(s.retries, []string{"JobFailed", "JobFailed", "JobFailed"}) {
		t.Errorf("retries %v", s.retries)
	}
	if len(s.durations) != 2 || s.durations[0] != 5*time.Minute {
		t.Errorf("durations %v", s.durations)
	}
	if s.failure != 2 || s.success != 0 || s.exhausted != 1 || s.timedOut != 0 || s.current != 0 {
		t.Errorf("%+v", s)
	}
	// The same status again (a resync, a list after 410) adds nothing.
	again := run(t, tr, failed(bk("", rec(1, true), rec(2, true), rec(3, false)), "AlreadyFailed", "exceed retry times"))
	if len(again.retries)+len(again.durations)+again.failure+again.success+again.exhausted != 0 {
		t.Errorf("a resync counted %+v", again)
	}
}

// A retry that runs and then the backup completes is a success; current
// follows the retry story and drops to 0 at the end.
func TestRetryThenSuccess(t *testing.T) {
	tr := NewTracker()
	mid := run(t, tr, bk("Scheduled", rec(1, false)))
	if mid.current != 1 {
		t.Errorf("current while waiting: %d", mid.current)
	}
	running := run(t, tr, bk("Scheduled", rec(1, true)))
	if running.current != 1 || running.success != 0 {
		t.Errorf("retry started: %+v", running)
	}
	done := run(t, tr, bk("Complete", rec(1, true)))
	if done.success != 1 || done.current != 0 || done.failure != 0 {
		t.Errorf("completed: %+v", done)
	}
}

// A reset removes the records; the records that come after are new.
func TestResetThenNewRecords(t *testing.T) {
	tr := NewTracker()
	run(t, tr, bk("Scheduled", rec(1, false)))
	reset := run(t, tr, bk("Scheduled"))
	if reset.current != 0 || len(reset.retries) != 0 {
		t.Errorf("reset: %+v", reset)
	}
	later := rec(1, false)
	later.DetectFailedAt = at(90)
	s := run(t, tr, bk("Scheduled", later))
	if len(s.retries) != 1 || s.current != 1 {
		t.Errorf("a record after the reset was not counted: %+v", s)
	}
}

// v2 and the log backup retry feature: their own exhaustion reasons; a
// timeout is told apart from the count.
func TestExhaustionReasons(t *testing.T) {
	v2 := run(t, NewTracker(), bk("RetryFailed", rec(1, true)), failed(bk("", rec(1, true), rec(2, false)), "ExceedRetryLimit", "exceed retry times, max is 2."))
	if v2.exhausted != 1 || v2.timedOut != 0 {
		t.Errorf("v2 count: %+v", v2)
	}
	timeout := run(t, NewTracker(), bk("Scheduled", rec(1, true)), failed(bk("", rec(1, true), rec(2, false)), "RetryTimeout", "retry timeout"))
	if timeout.timedOut != 1 || timeout.exhausted != 0 {
		t.Errorf("timeout: %+v", timeout)
	}
}

// After a restart the first list is a baseline: nothing already there is
// counted, but what comes after is.
func TestRestartBaseline(t *testing.T) {
	tr := NewTracker()
	d := tr.Observe(bk("Scheduled", rec(1, true), rec(2, false)), t0, true)
	if len(d.Retries)+len(d.Durations)+d.Successes+d.Failures != 0 || d.Current != 2 {
		t.Errorf("baseline counted: %+v", d)
	}
	s := run(t, tr, bk("Scheduled", rec(1, true), rec(2, true)), bk("Complete", rec(1, true), rec(2, true)))
	if len(s.durations) != 1 || s.success != 1 || len(s.retries) != 0 {
		t.Errorf("after the baseline: %+v", s)
	}
	// A retry that ran before the start, failing again after it, is a
	// failure; one whose result came before the start is not counted.
	waiting := NewTracker()
	waiting.Observe(bk("Scheduled", rec(1, true)), t0, true)
	if s := run(t, waiting, bk("Scheduled", rec(1, true), rec(2, false))); s.failure != 1 || len(s.retries) != 1 {
		t.Errorf("a result after the start: %+v", s)
	}
	done := NewTracker()
	if d := done.Observe(bk("Complete", rec(1, true)), t0, true); d.Successes != 0 {
		t.Errorf("a result before the start counted: %+v", d)
	}
	ex := NewTracker()
	if d := ex.Observe(failed(bk("", rec(1, true), rec(2, true), rec(3, false)), "AlreadyFailed", "exceed retry times"), t0, true); d.Exhausted {
		t.Error("an exhaustion before the start was counted")
	}
}

// A deleted backup is forgotten, and its series named for removal.
func TestForget(t *testing.T) {
	tr := NewTracker()
	tr.Observe(bk("Complete"), t0, false)
	if s, ok, next := tr.Forget("u1"); !ok || s != (Series{Namespace: "tidb", Backup: "x"}) || tr.Len() != 0 || next != "" {
		t.Errorf("forget: %v %v %d %q", s, ok, tr.Len(), next)
	}
	if _, ok, _ := tr.Forget("u1"); ok {
		t.Error("forgot twice")
	}
}

// The seed's labels carry no API group: when both groups have a backup
// tidb/x, the first seen owns the series, the other is hidden (and
// counted) until the owner goes, then takes over without counting its
// records again.
func TestSameNameInBothGroups(t *testing.T) {
	tr := NewTracker()
	v1 := bk("Scheduled", rec(1, false))
	v2 := bk("Scheduled", rec(1, false), rec(2, false))
	v2.Group, v2.UID = backup.GroupV2, "u2"
	if d := tr.Observe(v1, t0, false); d.Hidden || len(d.Retries) != 1 {
		t.Errorf("owner: %+v", d)
	}
	if d := tr.Observe(v2, t0, false); !d.Hidden || len(d.Retries) != 2 || d.Info.Group != backup.GroupV2 {
		t.Errorf("second group: %+v", d)
	}
	if tr.Hidden() != 1 {
		t.Errorf("hidden %d", tr.Hidden())
	}
	if s, owned, next := tr.Forget("u1"); !owned || next != "u2" || s.Backup != "x" {
		t.Errorf("forget owner: %v %v %q", s, owned, next)
	}
	if d := tr.Observe(v2, t0, false); d.Hidden || len(d.Retries) != 0 || d.Current != 2 {
		t.Errorf("successor: %+v", d)
	}
	if tr.Hidden() != 0 {
		t.Errorf("hidden %d after the take-over", tr.Hidden())
	}
	// A hidden backup's deletion removes no series.
	tr.Observe(v1, t0, false)
	if _, owned, _ := tr.Forget("u1"); owned {
		t.Error("the hidden backup's deletion would remove the owner's series")
	}
}

// The info metric's labels and a log backup's checkpoint.
func TestInfoAndCheckpoint(t *testing.T) {
	tr := NewTracker()
	b := bk("Running")
	b.Mode, b.Cluster, b.ClusterNamespace = "log", "basic", "tidb-cluster"
	b.CheckpointTS = backup.TSOFromTime(t0)
	d := tr.Observe(b, t0, false)
	if d.Info != (Info{Group: backup.GroupV1, Mode: "log", Cluster: "basic", ClusterNamespace: "tidb-cluster", Phase: "Running"}) {
		t.Errorf("info %+v", d.Info)
	}
	if d.Checkpoint == nil || !d.Checkpoint.Equal(t0) {
		t.Errorf("checkpoint %v", d.Checkpoint)
	}
	b.CheckpointTS = "not a tso"
	if d := tr.Observe(b, t0, false); d.Checkpoint != nil {
		t.Errorf("checkpoint of an unreadable TSO: %v", d.Checkpoint)
	}
	s := bk("Complete")
	s.CheckpointTS = backup.TSOFromTime(t0)
	if d := tr.Observe(s, t0, false); d.Checkpoint != nil {
		t.Error("a snapshot backup has no checkpoint gauge")
	}
}

func TestReasonVocabulary(t *testing.T) {
	for _, c := range []struct{ retry, orig, want string }{
		{"Job tidb/backup-x has failed", "BackoffLimitExceeded", ReasonJobFailed},
		{"", "OOMKilled", ReasonOOMKilled},
		{"", "Evicted", ReasonEvicted},
		{"", "DeadlineExceeded", ReasonDeadlineExceeded},
		{"pod backup-x-abc failed", "", ReasonPodFailed},
		{"secret-name-leak-abc", "whatever", ReasonOther},
	} {
		if got := ReasonOf(backup.RetryRecord{RetryReason: c.retry, OriginalReason: c.orig}); got != c.want {
			t.Errorf("%q/%q: %s, want %s", c.retry, c.orig, got, c.want)
		}
	}
}

// Records that leave the status and come back (a status written from a
// stale copy, a field briefly unreadable) are the same retries: counted
// once. Their order in the list does not change what is counted.
func TestRecordsThatComeBack(t *testing.T) {
	s := run(t, NewTracker(),
		bk("Running"),
		bk("Scheduled", rec(1, true), rec(2, false)),
		bk("Scheduled"),
		bk("Scheduled", rec(1, true), rec(2, false)),
	)
	if len(s.retries) != 2 {
		t.Errorf("retries %v, want 2", s.retries)
	}
	fwd := run(t, NewTracker(), bk("Running"), bk("Scheduled", rec(1, true), rec(2, true), rec(3, false)))
	rev := run(t, NewTracker(), bk("Running"), bk("Scheduled", rec(3, false), rec(2, true), rec(1, true)))
	if fwd.failure != 2 || rev.failure != fwd.failure || len(rev.retries) != 3 {
		t.Errorf("in order: %+v; reversed: %+v", fwd, rev)
	}
}

// Records without detectFailedAt and an unreadable number are told apart
// by their place, not merged into one.
func TestRecordsWithoutTimes(t *testing.T) {
	r := backup.RetryRecord{OriginalReason: "OOMKilled"}
	s := run(t, NewTracker(), bk("Running"), bk("Scheduled", r, r, r))
	if len(s.retries) != 3 || s.current != 3 {
		t.Errorf("%+v: want 3 retries, 3 current", s)
	}
}

// reset-retries, new records and a second exhaustion: counted twice. The
// same records flipping Failed -> Running -> Failed: once.
func TestExhaustionAfterAReset(t *testing.T) {
	s := run(t, NewTracker(),
		bk("Running"),
		bk("Scheduled", rec(1, true), rec(2, true), rec(3, false)),
		failed(bk("", rec(1, true), rec(2, true), rec(3, false)), "AlreadyFailed", "exceed retry times"),
		bk("Running"), // reset-retries
		bk("Scheduled", rec(11, true), rec(12, true), rec(13, false)),
		failed(bk("", rec(11, true), rec(12, true), rec(13, false)), "AlreadyFailed", "exceed retry times"),
	)
	if s.exhausted != 2 {
		t.Errorf("exhausted %d, want 2", s.exhausted)
	}
	flip := run(t, NewTracker(),
		failed(bk("", rec(1, true), rec(2, false)), "AlreadyFailed", "exceed retry times"),
		bk("Running", rec(1, true), rec(2, false)),
		failed(bk("", rec(1, true), rec(2, false)), "AlreadyFailed", "exceed retry times"),
	)
	if flip.exhausted != 1 {
		t.Errorf("a phase flip on the same records: exhausted %d, want 1", flip.exhausted)
	}
}

// A checkpoint beyond the clock (a broken or hostile value) is not
// exported: it would silence every lag alert.
func TestCheckpointInTheFuture(t *testing.T) {
	b := bk("Running")
	b.Mode = "log"
	b.CheckpointTS = "9999999999999999999"
	if d := NewTracker().Observe(b, t0, false); d.Checkpoint != nil {
		t.Errorf("checkpoint %v exported", d.Checkpoint)
	}
}
