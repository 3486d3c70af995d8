package diagnose

import (
	"fmt"
	"strings"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// deletionStuckAfter: the operator's clean Job removes its finalizer in
// minutes when the storage is reachable.
const deletionStuckAfter = 10 * time.Minute

// stuckDeletion: a Backup deleted long ago still held by finalizers. The
// operator's cleaner skips a backup whose task never started (phase
// Scheduled or Prepare, tidb-operator#5968), and a clean Job that cannot
// be created or reach the storage holds it too.
func stuckDeletion(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	if b.DeletionTimestamp == nil || len(b.Finalizers) == 0 || r.GeneratedAt.Sub(*b.DeletionTimestamp) < deletionStuckAfter {
		return nil
	}
	ev := []string{"metadata.deletionTimestamp " + b.DeletionTimestamp.UTC().Format(time.RFC3339) + " (" + ago(r, *b.DeletionTimestamp) + ")",
		"metadata.finalizers " + strings.Join(b.Finalizers, ", "), "phase " + text.Dash(b.Phase)}
	why := "the operator's clean-up has not finished"
	if b.Phase == "" || b.Phase == "Scheduled" || b.Phase == "Prepare" {
		why = "its task never started, and the operator's cleaner skips such a backup (tidb-operator#5968)"
	}
	return []report.Finding{{
		Severity: report.Warning,
		Summary:  fmt.Sprintf("The backup was deleted %s and is still there, held by its finalizers: %s.", ago(r, *b.DeletionTimestamp), why) + evidence(ev...),
		Next: fmt.Sprintf("Look for the clean Job clean-%s and the controller's lines about the backup; once you know no backup data must be removed from the storage, remove the finalizers: `kubectl patch backup.%s %s -n %s --type=json -p '[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]'`.",
			b.Name, b.Group, b.Name, b.Namespace),
	}}
}
