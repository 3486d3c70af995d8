package diagnose

import (
	"fmt"
	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// BR's error when a cluster already runs a log backup task
// ([BR:Stream:ErrStreamLogTaskExist]; tidb-operator#5249).
func taskExistsNeedles() []string {
	return []string{"ErrStreamLogTaskExist", "stream task already exists", "supports single stream log task"}
}

// activePhase: a log backup whose task may be running.
func activePhase(phase string) bool {
	switch phase {
	case "Scheduled", "Prepare", "Running", "RetryFailed":
		return true
	}
	return false
}

// taskTaken: BR runs one log backup task per TiDB cluster. Two log
// backups of the same cluster both started, or a log-start failing with
// BR's "task already exists": a leftover task, typically of a Backup
// deleted without log-stop. BR's own error is critical; the Backups alone
// are a warning, since the other's phase may be stale (its task stopped
// by hand, or no longer tracked).
func taskTaken(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	if !b.IsLog() {
		return nil
	}
	var ev []string
	sev := report.Warning
	if line, _ := firstLineWith(r.PodLog.Lines, taskExistsNeedles()...); line != "" {
		sev = report.Critical
		ev = append(ev, "pod "+r.PodLog.Pod+" log line "+quoteLine(line))
	}
	for _, c := range b.Conditions {
		if _, n := firstLineWith([]string{c.Message}, taskExistsNeedles()...); n != "" {
			sev = report.Critical
			ev = append(ev, fmt.Sprintf("condition %s/%s %s", c.Type, c.Reason, quoteLine(c.Message)))
			break
		}
	}
	var others []string
	// This backup wants its task (started, or failed starting: the one
	// tidb-operator#5249 describes); the others hold the cluster's one task
	// while started or paused, and a Backup being deleted may still hold it.
	if b.LogSubcommand != "log-stop" && b.Phase != "Stopped" && b.Phase != backup.PhaseComplete {
		for _, o := range r.ClusterBackups.Items {
			if (activePhase(o.Phase) || o.Phase == "Paused" || o.LogSubcommand == "log-pause") && o.LogSubcommand != "log-stop" {
				state := o.Phase + ", " + o.LogSubcommand
				if o.Deleting {
					state += ", being deleted"
				}
				others = append(others, fmt.Sprintf("%s/%s (%s)", o.Namespace, o.Name, state))
			}
		}
	}
	if len(others) > 0 {
		ev = append(ev, "log backups of the same cluster "+r.ClusterBackups.Cluster+": "+strings.Join(others, ", "))
	}
	if len(ev) == 0 {
		return nil
	}
	return []report.Finding{{
		Severity: sev,
		Summary:  "Another log backup task already runs on TiDB cluster " + clusterName(r) + ": BR runs one per cluster, so this one cannot start or the other is a leftover." + evidence(ev...),
		Next:     "List the cluster's tasks with `br log status --pd <PD>:2379`. A Backup deleted without log-stop leaves its task running (tidb-operator#5249): stop the one you do not want, with spec.logSubcommand: log-stop on its Backup, or `br log stop --task-name=<task>` when its Backup is gone; then set this backup's spec.logSubcommand to log-start again.",
	}}
}

func clusterName(r *report.Report) string {
	if r.ClusterBackups.Cluster != "" {
		return r.ClusterBackups.Cluster
	}
	b := r.Backup.Backup
	if b.Cluster == "" {
		return "(spec.br.cluster not set)"
	}
	return b.ClusterNamespace + "/" + b.Cluster
}
