package diagnose

import (
	"fmt"
	"strings"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// noJobAfter: the controller creates a backup's Job within a resync (30 s)
// of scheduling it.
const noJobAfter = 5 * time.Minute

// noJob: a backup stuck before its Job exists. Either a FailedCreate
// event says the controller could not create it, or the phase is still
// Scheduled or Prepare minutes later and the backup owns no Job: the
// controller is not running, or a finalizer or the cleaner holds it
// (tidb-operator#5968). Silent when the jobs could not be listed, and
// for a backup with no status at all (noStatus says that).
func noJob(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	if b.StatusAbsent || r.Workload.Error != "" || len(r.Workload.Jobs) > 0 || r.Backup.Retry.Retrying {
		return nil
	}
	var ev []string
	for _, e := range r.Events.Items {
		if e.Reason == "FailedCreate" && strings.HasPrefix(e.Object, "Backup/") {
			ev = append(ev, fmt.Sprintf("event FailedCreate %s %s", ago(r, e.LastSeen), quoteLine(e.Message)))
			break
		}
	}
	since := b.Created
	if len(b.Conditions) > 0 && b.Conditions[0].LastTransitionTime != nil {
		since = *b.Conditions[0].LastTransitionTime
	}
	waiting := (b.Phase == "Scheduled" || b.Phase == "Prepare") && !since.IsZero() && r.GeneratedAt.Sub(since) >= noJobAfter
	if !waiting && len(ev) == 0 {
		return nil
	}
	ev = append(ev, "phase "+text.Dash(b.Phase)+" since "+since.UTC().Format(time.RFC3339), "no Job owned by the backup")
	if b.DeletionTimestamp != nil {
		ev = append(ev, "metadata.deletionTimestamp "+b.DeletionTimestamp.UTC().Format(time.RFC3339))
	}
	if len(b.Finalizers) > 0 {
		ev = append(ev, "metadata.finalizers "+strings.Join(b.Finalizers, ", "))
	}
	next := "Check the controller: that it runs, and its lines about the backup (below)."
	switch {
	case len(ev) > 0 && strings.HasPrefix(ev[0], "event FailedCreate"):
		next = "The controller cannot create the Job: the event says why (quota, admission webhook, a Job of the same name still being deleted, a missing service account); fix that and it retries by itself."
	case b.DeletionTimestamp != nil:
		next = "The backup is being deleted before its Job ran: the cleaner skips a backup that never started (tidb-operator#5968); see the deletion finding for removing its finalizers."
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  fmt.Sprintf("The backup is stuck before its Job exists: phase %s for %s and no Job.", text.Dash(b.Phase), age(r, since)) + evidence(ev...),
		Next:     next,
	}}
}
