package diagnose

import (
	"fmt"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// BR's checkpoint lock message: another BR holds the lock on the same
// storage path (tidb-operator#4980).
func lockNeedles() []string {
	return []string{"There may be another BR", "checkpoint.lock", "The existing lock will expire"}
}

// retryOverlap: a retry that started while the previous backup pod still
// ran (two pods of the backup running at once), or BR's checkpoint lock
// error in the pod log: two BR processes on one storage path.
func retryOverlap(r *report.Report, _ Options) []report.Finding {
	var ev []string
	var running []string
	for _, p := range r.Workload.Pods {
		if p.Phase == "Running" {
			running = append(running, p.Name+" (job "+p.Job+")")
		}
	}
	if len(running) > 1 {
		ev = append(ev, fmt.Sprintf("%d backup pods running at once: %v", len(running), running))
	}
	if line, _ := firstLineWith(r.PodLog.Lines, lockNeedles()...); line != "" {
		ev = append(ev, "pod "+r.PodLog.Pod+" log line "+quoteLine(line))
	}
	if len(ev) == 0 {
		return nil
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  "Two BR processes work on this backup at once: a retry started while the previous backup pod still ran, and BR's checkpoint lock keeps the new one from starting." + evidence(ev...),
		Next:     "Make sure the older backup pod has ended (`kubectl delete pod` it if it hangs); BR's lock then expires by itself (the message says when), or delete the checkpoint.lock file it names once no BR runs; the next retry then starts clean (tidb-operator#4980).",
	}}
}
