package diagnose

import (
	"fmt"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// The condition reasons operator v1 writes about the log backup task's
// own state, read from PD etcd (/tidb/br-stream/...): docs/diagnoses.md.
const (
	ReasonErrorPaused      = "LogBackupErrorPaused"
	ReasonKernelSync       = "LogBackupKernelSync"
	ReasonTaskNotFound     = "LogBackupTaskNotFound"
	ReasonStateQueryFailed = "LogBackupStateQueryFailed"
)

// logTaskCondition is the newest condition with one of those reasons,
// when it still describes the backup: it is the newest condition, or
// the phase is its type (v1 keeps one condition per type, so an old
// RetryFailed stays after the task resumed).
func logTaskCondition(b *backup.Backup) *backup.Condition {
	for i := range b.Conditions {
		c := &b.Conditions[i]
		switch c.Reason {
		case ReasonErrorPaused, ReasonKernelSync, ReasonTaskNotFound, ReasonStateQueryFailed:
			if c.Status == "False" {
				return nil // a condition that says it no longer holds
			}
			if i == 0 || c.Type == b.Phase {
				return c
			}
			return nil
		}
	}
	return nil
}

// logTask says what each of those conditions means and what to do.
func logTask(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	c := logTaskCondition(b)
	if c == nil || !b.IsLog() {
		return nil
	}
	ev := fmt.Sprintf("condition %s/%s %q", c.Type, c.Reason, text.Cut(text.OneLine(c.Message), 300))
	if c.LastTransitionTime != nil {
		ev += " at " + c.LastTransitionTime.UTC().Format(time.RFC3339)
	}
	task := "`br log status --task-name=" + b.Name + " --pd <PD>:2379`"
	switch c.Reason {
	case ReasonErrorPaused:
		return []report.Finding{{
			Severity: report.Critical,
			Summary:  "BR paused the log backup task on an error; nothing is backed up until it is resumed, and the operator does not resume it." + evidence(ev),
			Next:     "Fix the error the message names (storage access, credentials, space, a TiKV fault), check it with " + task + ", then resume the task: `br log resume --task-name=" + b.Name + " --pd <PD>:2379`. Paused past the GC safe point, it cannot catch up: start a new log backup and take a full backup.",
		}}
	case ReasonKernelSync:
		if c.Command != "" && c.Command == b.LogSubcommand {
			return []report.Finding{{Severity: report.Info,
				Summary: "The operator synced the Backup with the task's real state in BR, which matches spec.logSubcommand." + evidence(ev, "condition command "+c.Command)}}
		}
		ev2 := "spec.logSubcommand " + text.Dash(b.LogSubcommand)
		if c.Command != "" {
			ev2 = "condition command " + c.Command + " vs " + ev2
		}
		return []report.Finding{{
			Severity: report.Warning,
			Summary:  "The operator corrected the Backup's status to the task's real state in BR, which is not what spec.logSubcommand asks: someone ran br log pause/resume outside the operator, or BR paused the task itself." + evidence(ev, ev2),
			Next:     "Read the task's state and last error with " + task + "; then set spec.logSubcommand to the state you want (log-pause, or log-start/log-resume to run it) so that the Backup and BR agree.",
		}}
	case ReasonTaskNotFound:
		return []report.Finding{{
			Severity: report.Critical,
			Summary:  "The operator found no log backup task named " + b.Name + " in PD: it was stopped or removed outside the operator (br log stop), or never started; nothing is being backed up." + evidence(ev),
			Next:     "Confirm with " + task + ", then start the log backup again (recreate the Backup, or set spec.logSubcommand to log-start); point-in-time recovery has a gap from the last checkpoint, so take a full backup too.",
		}}
	case ReasonStateQueryFailed:
		return []report.Finding{{
			Severity: report.Critical,
			Summary:  "The operator could not read the log backup task's state from PD's etcd for longer than its grace period (PD down or unreachable, DNS, TLS); the task itself may still run." + evidence(ev),
			Next:     "Check PD's health and that the operator's pod reaches the PD service (DNS name, network policies, TLS certificates); check the task with " + task + " and the metrics section; once PD answers, restart the log backup (spec.logSubcommand log-start).",
		}}
	}
	return nil
}
