package diagnose

import (
	"fmt"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// progressStallAfter: BR reports a snapshot backup's progress as it goes;
// half an hour without a change while Running is not a slow table.
const progressStallAfter = 30 * time.Minute

// progressStalled: a running snapshot backup whose status.progresses has
// not changed for a long time. Silent without progresses to read.
func progressStalled(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	if b.IsLog() || b.Phase != backup.PhaseRunning || len(b.Progresses) == 0 {
		return nil
	}
	var newest *backup.Progress
	for i := range b.Progresses {
		p := &b.Progresses[i]
		if p.LastTransitionTime != nil && (newest == nil || p.LastTransitionTime.After(*newest.LastTransitionTime)) {
			newest = p
		}
	}
	if newest == nil || newest.Progress >= 100 || r.GeneratedAt.Sub(*newest.LastTransitionTime) < progressStallAfter {
		return nil
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary: fmt.Sprintf("The snapshot backup has made no progress for %s: step %q stays at %.1f%%.", age(r, *newest.LastTransitionTime), newest.Step, newest.Progress) +
			evidence(fmt.Sprintf("status.progresses step %q progress %.1f lastTransitionTime %s", newest.Step, newest.Progress, newest.LastTransitionTime.UTC().Format(time.RFC3339)), "phase Running"),
		Next: "Read the backup pod's log (BR's last lines) and check TiKV and the storage: a slow or unreachable storage, a TiKV store down or a region stuck holds BR back. If BR is stuck, delete the backup pod: the Job fails and the retry policy runs it again.",
	}}
}
