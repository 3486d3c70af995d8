package diagnose

import (
	"fmt"
	"slices"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// disruptionReasons are Pod and Job failure reasons that Kubernetes, not
// BR, gives: the node evicted the pod (pressure, drain), the Job's
// deadline ran out, the node was lost or shut down, the scheduler
// preempted the pod for a higher-priority one (tidb-operator#4805, which
// the retry policy was made for).
func disruptionReasons() []string {
	return []string{"Evicted", "DeadlineExceeded", "NodeLost", "NodeShutdown", "Shutdown", "Terminated", "Preempting",
		"PreemptionByScheduler", "PreemptionByKubeScheduler", "TerminationByKubelet", "DeletionByTaintManager", "DeletionByPodGC", "UnexpectedAdmissionError"}
}

// disruptedRetry: the newest retry record whose original reason is the
// node's or the scheduler's. Retrying is the right answer to it; the
// place to look is the node and the scheduler, not BR's log.
func disruptedRetry(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	// Only the newest record is the cause now: an older disruption
	// followed by BR's own failure is history, not the reason.
	if len(b.Records) == 0 {
		return nil
	}
	i := len(b.Records) - 1
	rec := b.Records[i]
	if !slices.Contains(disruptionReasons(), rec.OriginalReason) {
		return nil
	}
	{
		sev := report.Warning
		if b.Phase == backup.PhaseComplete {
			sev = report.Info // the retry did its job
		}
		who := "the node or the scheduler ended the backup pod, not BR"
		if rec.OriginalReason == "DeadlineExceeded" {
			// The pod ran out of its activeDeadlineSeconds: BR may have
			// been slow or hung, so its log matters too.
			who = "the pod ran past its deadline (spec.activeDeadlineSeconds): BR was slow or hung, or the deadline is too short"
		}
		return []report.Finding{{
			Severity: sev,
			Summary: fmt.Sprintf("Retry %d was caused by %s: %s.", rec.RetryNum, rec.OriginalReason, who) +
				evidence(fmt.Sprintf("status.backoffRetryStatus[%d].originalReason %s", i, rec.OriginalReason), "retryReason "+quoteLine(text.Dash(rec.RetryReason))),
			Next: "Look at the node and the scheduler: `kubectl get events -n " + b.Namespace + " --field-selector reason=" + rec.OriginalReason +
				"`, node pressure and drains, the pod's priority class and spec.activeDeadlineSeconds; give the backup pod enough requests (or a PodDisruptionBudget and priority) to stay put.",
		}}
	}
}
