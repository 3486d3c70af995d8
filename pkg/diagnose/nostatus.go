package diagnose

import (
	"fmt"
	"strings"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// noStatusAfter: a controller that runs writes a status within seconds;
// a few minutes without one is not a busy queue.
const noStatusAfter = 3 * time.Minute

// noStatus: a Backup with no status at all minutes after it was created.
// Nothing has recorded anything: no controller runs for its group, or
// (operator v2, a Cluster without a PD group) the API server refused the
// operator's status update because its condition reason is free text.
// The controller's lines about the backup, when read, say which.
func noStatus(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	if !b.StatusAbsent {
		return nil
	}
	rejected, _ := firstLineWith(r.Controller.Lines, "should match", "Invalid value")
	if !strings.Contains(rejected, "reason") {
		rejected = ""
	}
	// The controller's own refusal is evidence at once; without it, only
	// time says that nothing will come.
	if rejected == "" && (b.Created.IsZero() || r.GeneratedAt.Sub(b.Created) < noStatusAfter) {
		return nil
	}
	ev := []string{"no status field, created " + ago(r, b.Created)}
	next := fmt.Sprintf("Check that the operator of %s runs and watches namespace %s (the controller section of `kubectl logbackup investigate %s` shows its lines about this backup).", b.Group, b.Namespace, r.Target)
	sev := report.Warning
	if rejected != "" {
		sev = report.Critical // the cause is known and nothing will change by itself
		ev = append(ev, "controller log line "+quoteLine(rejected))
		next = "The API server refused the operator's status update: its condition reason is free text, which metav1.Condition forbids. Operator v2 writes such a reason when the Cluster has no PD group: check spec.br.cluster and that the Cluster has a PD group, then recreate the backup."
	} else if n := len(r.Controller.Lines); n > 0 {
		ev = append(ev, fmt.Sprintf("%d controller log lines about it, the newest %s", n, quoteLine(r.Controller.Lines[n-1])))
		next = "The controller saw the backup but recorded nothing: its lines about the backup (below) say why."
	} else if r.Controller.Error == "" && len(r.Controller.Pods) > 0 {
		ev = append(ev, "no controller log line mentions it")
	}
	return []report.Finding{{
		Severity: sev,
		Summary:  fmt.Sprintf("The backup has no status %s after it was created: nothing has recorded anything about it.", age(r, b.Created)) + evidence(ev...),
		Next:     next,
	}}
}
