package diagnose

import (
	"fmt"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// syncStaleAfter: operator v1 refreshes a running log backup's checkpoint
// and timeSynced every minute; ten missed refreshes are not a hiccup.
const syncStaleAfter = 10 * time.Minute

// syncStale: a running log backup whose status.timeSynced is older than
// syncStaleAfter. Its checkpoint's lag is then the operator's, not the
// task's, so checkpointLag leaves it to trackingStopped.
func syncStale(r *report.Report) bool {
	b := r.Backup.Backup
	if !b.IsLog() || b.Phase != backup.PhaseRunning || b.TimeSynced == nil || b.LogSubcommand == "log-stop" || b.LogSubcommand == "log-pause" {
		return false
	}
	return r.GeneratedAt.Sub(*b.TimeSynced) > syncStaleAfter
}

// trackingStopped: a log backup that says Running whose status.timeSynced
// is stale: the operator no longer tracks it (after a restart, for
// example: tidb-operator#4745), so status.logCheckpointTs is no longer
// refreshed and its lag says nothing about the task.
func trackingStopped(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	if !syncStale(r) {
		return nil
	}
	ev := []string{"status.timeSynced " + b.TimeSynced.UTC().Format(time.RFC3339) + " (" + ago(r, *b.TimeSynced) + ")", "phase Running"}
	if cp := r.Backup.Checkpoint; cp != nil {
		ev = append(ev, "status.logCheckpointTs at "+cp.Time.UTC().Format(time.RFC3339))
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  fmt.Sprintf("The operator stopped tracking this log backup: it last synced its state %s (it does so every minute while it runs), so status.logCheckpointTs is no longer refreshed.", ago(r, *b.TimeSynced)) + evidence(ev...),
		Next:     "Read the task's real checkpoint with `br log status --task-name=" + b.Name + " --pd <PD>:2379` (or the metrics section); restart the operator's controller so that it tracks the backup again (tidb-operator#4745), and check its log for \"add log backup " + b.Namespace + "/" + b.Name + " to tracker\".",
	}}
}
