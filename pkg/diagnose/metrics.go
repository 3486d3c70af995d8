package diagnose

import (
	"fmt"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Rules on what Prometheus knows (the metrics section). For a log backup
// the TiKV and TiDB metrics are the truth about its task; the Backup
// object only says what the operator last saw. Each finding names the
// metric it read, so the person can check it.

// mismatchAfter: a Backup checkpoint this far behind TiDB's is stale,
// not just a refresh in flight.
const mismatchAfter = 10 * time.Minute

func metricsRules() []rule {
	return []rule{taskError, taskPaused, taskAbsent, checkpointStuck, gcPassedCheckpoint, checkpointMismatch, fatalErrors, retriesAllFailed, metricsUnavailable, futureTimes}
}

func inFuture(r *report.Report, t *time.Time) bool {
	return t != nil && t.After(r.GeneratedAt.Add(clockSkew))
}

// futureTimes: TiDB's checkpoint or TiKV's safe point after now; the
// verdicts that compare them stay silent, and this says why.
func futureTimes(r *report.Report, _ Options) []report.Finding {
	t := taskOf(r)
	if t == nil || (!inFuture(r, t.Checkpoint) && !inFuture(r, t.GCSafePoint)) {
		return nil
	}
	return []report.Finding{{
		Severity: report.Info,
		Summary:  "The task's checkpoint or GC safe point in the metrics is later than now: the clocks of TiDB/TiKV and this machine disagree, or the values are wrong; the checks that compare them were skipped.",
		Next:     "Check the TiDB, TiKV and PD hosts' clocks (NTP).",
	}}
}

func taskOf(r *report.Report) *report.TaskFigures {
	if t := r.Metrics.Task; t != nil && t.Error == "" {
		return t
	}
	return nil
}

func taskError(r *report.Report, _ Options) []report.Finding {
	t := taskOf(r)
	if t == nil || t.State != report.TaskError {
		return nil
	}
	return []report.Finding{{
		Severity: report.Critical,
		Summary: fmt.Sprintf("TiKV reports log backup task %s in ERROR on %s (tikv_log_backup_task_status = 2) while the Backup says %s: the task has stopped backing up.",
			strconv.Quote(t.Task), storesIn(t, report.TaskError), text.Dash(r.Backup.Backup.Phase)),
		Next: fmt.Sprintf("Read its error with `br log status --task-name=%s --pd <PD>:2379` (or the TiKV log, lines about backup-stream), fix the cause (storage access, credentials, space), then `br log resume --task-name=%s`.", t.Task, t.Task),
	}}
}

func taskPaused(r *report.Report, _ Options) []report.Finding {
	t := taskOf(r)
	if t == nil || t.State != report.TaskPaused {
		return nil
	}
	b := r.Backup.Backup
	if b.LogSubcommand == "log-pause" || b.Phase == "Paused" {
		return []report.Finding{{
			Severity: report.Info,
			Summary:  fmt.Sprintf("Log backup task %s is paused, as the Backup asks (%s); nothing is backed up until it is resumed.", strconv.Quote(t.Task), text.Dash(b.LogSubcommand)),
		}}
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary: fmt.Sprintf("TiKV reports log backup task %s PAUSED on %s (tikv_log_backup_task_status = 1), yet the Backup says %s (%s): nobody asked for this pause; BR pauses a task on a fatal error.",
			strconv.Quote(t.Task), storesIn(t, report.TaskPaused), text.Dash(b.Phase), text.Dash(b.LogSubcommand)),
		Next: fmt.Sprintf("See why with `br log status --task-name=%s --pd <PD>:2379`; resume with `br log resume --task-name=%s` once the cause is fixed.", t.Task, t.Task),
	}}
}

func taskAbsent(r *report.Report, _ Options) []report.Finding {
	t := r.Metrics.Task
	b := r.Backup.Backup
	if t == nil || !t.Absent || b.Phase != backup.PhaseRunning || b.LogSubcommand == "log-stop" {
		return nil
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  fmt.Sprintf("The Backup says Running, but no TiKV store reports log backup task %s (tikv_log_backup_task_status has no series for it).", strconv.Quote(t.Task)),
		Next:     fmt.Sprintf("Check that the task exists: `br log status --task-name=%s --pd <PD>:2379`; if it does not, the Backup must be started again.", t.Task),
	}}
}

func checkpointStuck(r *report.Report, o Options) []report.Finding {
	t := taskOf(r)
	if t == nil || t.State != report.TaskRunning || !t.Stuck() || time.Duration(*t.Lag) <= o.CheckpointLag {
		return nil
	}
	return []report.Finding{{
		Severity: report.Critical,
		Summary: fmt.Sprintf("The log backup checkpoint has not moved in 15 minutes (tidb_log_backup_last_checkpoint, %s behind) while TiKV says the task is running and the Backup says %s: the RPO grows.",
			duration.HumanDuration(time.Duration(*t.Lag)), text.Dash(r.Backup.Backup.Phase)),
		Next: "A region or store holds it back: check the TiKV logs (backup-stream), PD's health and which TiDB owns the log backup advancer (tidb_log_backup_advancer_owner).",
	}}
}

// clockSkew: a time from the metrics this far past now is a clock or a
// value that is wrong, not evidence for a verdict.
const clockSkew = 5 * time.Minute

func gcPassedCheckpoint(r *report.Report, _ Options) []report.Finding {
	t := taskOf(r)
	if t == nil || t.GCSafePoint == nil || t.Checkpoint == nil || !t.GCSafePoint.After(*t.Checkpoint) || inFuture(r, t.GCSafePoint) || inFuture(r, t.Checkpoint) {
		return nil
	}
	return []report.Finding{{
		Severity: report.Critical,
		Summary: fmt.Sprintf("TiKV's GC safe point (%s) has passed the task's checkpoint (%s): the changes between them are gone, so the task cannot catch up.",
			t.GCSafePoint.UTC().Format(time.RFC3339), t.Checkpoint.UTC().Format(time.RFC3339)),
		Next: "Stop this log backup, start a new one and take a full backup: point-in-time recovery has a gap before the new start.",
	}}
}

// checkpointMismatch: TiDB's checkpoint is well ahead of the one in the
// Backup's status: the operator stopped refreshing status.logCheckpointTs.
func checkpointMismatch(r *report.Report, _ Options) []report.Finding {
	t, cp := taskOf(r), r.Backup.Checkpoint
	if t == nil || t.Checkpoint == nil || cp == nil || inFuture(r, t.Checkpoint) {
		return nil
	}
	behind := t.Checkpoint.Sub(cp.Time)
	if behind <= mismatchAfter {
		return nil
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary: fmt.Sprintf("The Backup's status.logCheckpointTs (%s) is %s behind TiDB's checkpoint (%s): the operator is no longer refreshing it, so its lag is not the task's.",
			cp.Time.UTC().Format(time.RFC3339), duration.HumanDuration(behind), t.Checkpoint.UTC().Format(time.RFC3339)),
		Next: "Trust the metrics for the RPO; check the operator's controller (its log above) and its access to PD.",
	}}
}

func fatalErrors(r *report.Report, _ Options) []report.Finding {
	t := taskOf(r)
	if t == nil || t.State == report.TaskError || t.State == report.TaskPaused {
		return nil // the state's own finding says it
	}
	var n float64
	for _, v := range t.FatalErrors {
		n += v
	}
	if n < 0.5 {
		return nil
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  fmt.Sprintf("TiKV counted %.0f fatal log backup errors in the last hour on the task's stores (tikv_log_backup_fatal_errors), though the task runs now.", n),
		Next:     "Read the TiKV logs of those stores (backup-stream) for the cause before it pauses the task again.",
	}}
}

func retriesAllFailed(r *report.Report, _ Options) []report.Finding {
	f := r.Metrics.Retries
	if f == nil || f.Results == nil || f.SuccessRatio == nil || *f.Results < 1.5 || *f.SuccessRatio > 0 {
		return nil
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  fmt.Sprintf("Every retry that ended in the last hour failed (all %.0f, tidb_operator_log_backup_retry_result_total): retrying does not help.", *f.Results),
		Next:     "Fix the cause shown by the pod log and events before the retries run out.",
	}}
}

func metricsUnavailable(r *report.Report, _ Options) []report.Finding {
	if r.Metrics.Error == "" {
		return nil
	}
	return []report.Finding{{Severity: report.Info, Summary: "Section metrics not read: " + r.Metrics.Error + "."}}
}

func storesIn(t *report.TaskFigures, state string) string {
	n := 0
	for _, s := range t.Stores {
		if s.State == state {
			n++
		}
	}
	return fmt.Sprintf("%d of %s", n, text.Plural(len(t.Stores), "store"))
}
