package diagnose

import (
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Rules read from the backup itself: its phase, retry records and policy,
// and a log backup's checkpoint.

func exhausted(r *report.Report, _ Options) []report.Finding {
	b, s := r.Backup.Backup, r.Backup.Retry
	if s.ExhaustedBy == "" {
		return nil
	}
	why := fmt.Sprintf("all %d allowed retries were used (%d records)", s.Allowed, s.Used)
	if s.ExhaustedBy == backup.ExhaustedByTimeout {
		why = fmt.Sprintf("the retry timeout of %s since the first failure ran out", b.Policy.RetryTimeout)
	}
	return []report.Finding{{
		Severity: report.Critical,
		Summary:  fmt.Sprintf("Retries exhausted: %s; the backup is Failed (%s).", why, s.FailedReason),
		Next: "Manual action needed: fix the cause shown below first. The controller skips Failed backups, " +
			"so resetting the retry records will not restart it: recreate the backup once the cause is fixed.",
	}}
}

// failedPhase covers every terminal phase that exhausted retries and the
// uncovered log backup do not explain.
func failedPhase(r *report.Report, _ Options) []report.Finding {
	b, s := r.Backup.Backup, r.Backup.Retry
	switch {
	case s.ExhaustedBy != "":
		return nil
	case b.Phase == backup.PhaseFailed && b.IsLog() && len(b.Records) == 0:
		return nil // logNotCovered says it better
	case !FailedPhase(b.Phase):
		return nil
	}
	return []report.Finding{{
		Severity: report.Critical,
		Summary:  fmt.Sprintf("The backup is %s%s.", b.Phase, conditionWhy(b, b.Phase)),
		Next:     fmt.Sprintf("The controller does not retry a %s backup: fix the cause, then recreate the backup.", b.Phase),
	}}
}

// transientRetry: RetryFailed without retry records is the controller's
// own transient error (e.g. CreateBackupJobFailed), which it retries.
func transientRetry(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	if b.Phase != backup.PhaseRetryFailed || len(b.Records) > 0 || logTaskCondition(b) != nil {
		return nil // logTask explains an error pause: the controller does not retry that
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  fmt.Sprintf("The backup is RetryFailed%s without retry records: a transient controller error, which the controller retries by itself.", conditionWhy(b, backup.PhaseRetryFailed)),
		Next:     "If it stays like this, read the controller log below for the error it keeps hitting.",
	}}
}

// conditionWhy is " (Reason: message)" of the newest condition of type t.
func conditionWhy(b *backup.Backup, t string) string {
	c := b.Condition(t)
	if c == nil || c.Reason == "" && c.Message == "" {
		return ""
	}
	return fmt.Sprintf(" (%s: %s)", text.Dash(c.Reason), text.OneLine(c.Message))
}

func atLimit(r *report.Report, _ Options) []report.Finding {
	b, s := r.Backup.Backup, r.Backup.Retry
	if s.ExhaustedBy != "" || b.Phase == backup.PhaseFailed || s.Used == 0 || !s.AtLimit {
		return nil
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  fmt.Sprintf("Retry limit reached (%d of %d used, retry timeout %s): the next failure ends the backup.", s.Used, s.Allowed, b.Policy.RetryTimeout),
		Next:     fmt.Sprintf("Fix the cause before it fails again; once fixed, `kubectl logbackup reset-retries %s` gives it a fresh retry budget.", r.Target),
	}}
}

func logNotCovered(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	if !b.IsLog() || b.Phase != backup.PhaseFailed || len(b.Records) > 0 {
		return nil
	}
	reason := ""
	if c := b.Condition(backup.PhaseFailed); c != nil {
		reason = fmt.Sprintf(" (%s: %s)", c.Reason, c.Message)
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  "This log backup is Failed and has no retry records: the retry policy does not cover this failure" + reason + ".",
		Next:     "Upstream operators retry snapshot backups only. Fix the cause, then restart the log backup (recreate it, or set spec.logSubcommand to log-start again).",
	}}
}

func pendingRetry(r *report.Report, _ Options) []report.Finding {
	s := r.Backup.Retry
	if s.Pending == nil || r.Backup.Backup.Phase == backup.PhaseFailed || s.Pending.ExpectedRetryAt == nil {
		return nil
	}
	due := *s.Pending.ExpectedRetryAt
	if s.PendingOverdue {
		return []report.Finding{{
			Severity: report.Warning,
			Summary: fmt.Sprintf("Retry %d was due at %s (%s ago) and has not run.",
				s.Pending.RetryNum, due.UTC().Format(time.RFC3339), duration.HumanDuration(r.GeneratedAt.Sub(due))),
			Next: "Check that the operator's controller is running and reconciling (controller section below).",
		}}
	}
	return []report.Finding{{
		Severity: report.Info,
		Summary: fmt.Sprintf("Retry %d of %d is pending, due at %s (in %s).",
			s.Pending.RetryNum, s.Allowed, due.UTC().Format(time.RFC3339), duration.HumanDuration(due.Sub(r.GeneratedAt))),
		Next: "Nothing to do until then, unless the cause below needs fixing first.",
	}}
}

// CheckpointLagging: a running log backup whose checkpoint is further
// behind than o.CheckpointLag. Stopped, paused or failed ones are not:
// their lag is expected, or another finding says why. status uses it for
// its Lagging state, so both views agree.
func CheckpointLagging(r *report.Report, o Options) bool {
	cp, b := r.Backup.Checkpoint, r.Backup.Backup
	if cp == nil || b == nil || o.CheckpointLag <= 0 || time.Duration(cp.Lag) <= o.CheckpointLag {
		return false
	}
	return b.LogSubcommand != "log-stop" && b.LogSubcommand != "log-pause" && b.Phase != "Stopped" && b.Phase != "Paused" && b.Phase != backup.PhaseFailed
}

// RetryRunning: the last retry has started (realRetryAt is set) and the
// backup has not finished since: not Complete, not Failed, and not a log
// backup that is Running again (its task resumed). Between the start of a
// retry and its end the records say nothing is pending, yet the backup is
// still in its retry story; status counts it as Retrying.
func RetryRunning(r *report.Report) bool {
	b, s := r.Backup.Backup, r.Backup.Retry
	if b == nil || s == nil || s.Retrying || len(b.Records) == 0 || b.Records[len(b.Records)-1].RealRetryAt == nil {
		return false
	}
	switch {
	case b.Phase == backup.PhaseComplete, b.Phase == backup.PhaseFailed, troubled(b.Phase):
		return false
	case b.IsLog() && b.Phase == backup.PhaseRunning:
		return false
	}
	return true
}

func retryRunning(r *report.Report, _ Options) []report.Finding {
	if !RetryRunning(r) {
		return nil
	}
	b, s := r.Backup.Backup, r.Backup.Retry
	last := b.Records[len(b.Records)-1]
	return []report.Finding{{
		Severity: report.Info,
		Summary: fmt.Sprintf("Retry %d of %d started at %s (%s ago) and has not finished: the backup is %s.",
			last.RetryNum, s.Allowed, last.RealRetryAt.UTC().Format(time.RFC3339), duration.HumanDuration(r.GeneratedAt.Sub(*last.RealRetryAt)), text.Dash(b.Phase)),
		Next: "Watch it finish: `kubectl logbackup status --watch`; if it fails again, the next retry or the end of the retry window follows.",
	}}
}

func checkpointLag(r *report.Report, o Options) []report.Finding {
	cp := r.Backup.Checkpoint
	if !CheckpointLagging(r, o) || syncStale(r) {
		return nil // trackingStopped says why the checkpoint is old
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary: fmt.Sprintf("The log backup checkpoint is %s behind (at %s; threshold %s).",
			duration.HumanDuration(time.Duration(cp.Lag)), cp.Time.UTC().Format(time.RFC3339), o.CheckpointLag),
		Next: "The log backup task is not advancing: check the TiKV and PD health and the log backup task status (`br log status`).",
	}}
}

// knownPhases are the phases the operators write (docs/operator-facts.md
// and the v1 API's BackupConditionType). An empty phase is a backup not
// reconciled yet.
func knownPhases() []string {
	return []string{"", "Scheduled", "Running", "Complete", "Clean", "Repeatable", backup.PhaseFailed, backup.PhaseRetryFailed,
		"CleanFailed", "Invalid", "Prepare", "Paused", "Stopped", "Restart",
		"VolumeBackupInitialized", "VolumeBackupInitializeFailed", "VolumeBackupSnapshotsCreated",
		"VolumeBackupInitializeComplete", "VolumeBackupComplete", "VolumeBackupFailed"}
}

// FailedPhase: a terminal failure the controller does not retry. status
// calls such a backup Failed, investigate says so first.
func FailedPhase(phase string) bool {
	switch phase {
	case backup.PhaseFailed, "Invalid", "CleanFailed", "VolumeBackupFailed", "VolumeBackupInitializeFailed":
		return true
	}
	return false
}

// unknownPhase: a phase no operator writes cannot be judged; saying
// "no problem" about it would hide whatever wrote it.
func unknownPhase(r *report.Report, _ Options) []report.Finding {
	phase := r.Backup.Backup.Phase
	if slices.Contains(knownPhases(), phase) {
		return nil
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  fmt.Sprintf("The phase %q is not one TiDB Operator writes: the retry state cannot be judged from it.", phase),
		Next:     "Something other than the operator set it: read the object (kubectl get backup -o yaml) and the controller's log below.",
	}}
}

func healthy(r *report.Report) report.Finding {
	b, s := r.Backup.Backup, r.Backup.Retry
	summary := fmt.Sprintf("No problem found: phase %s", text.Dash(b.Phase))
	if s.Used > 0 {
		summary += fmt.Sprintf(", %s recorded earlier", text.Plural(s.Used, "retry"))
	}
	if r.Events.Error != "" || r.Workload.Error != "" || r.PodLog.Error != "" || r.Controller.Error != "" {
		summary += " (in what could be read; see the sections below)"
	}
	return report.Finding{Severity: report.Info, Summary: summary + "."}
}
