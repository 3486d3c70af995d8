package diagnose

import (
	"fmt"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Rules about fields of the backup that could not be decoded.

const (
	recordsField = "status.backoffRetryStatus"
	policyField  = "spec.backoffRetryPolicy"
)

// invalidFields: a malformed retry status stops the operator too
// (tidb-operator#5584); a policy value that cannot be read makes the retry
// numbers an assumption; anything else is noted.
func invalidFields(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	var out []report.Finding
	var policy, other []string
	for _, e := range b.Invalid {
		switch {
		case e.Field == recordsField:
			out = append(out, report.Finding{
				Severity: report.Critical,
				Summary:  fmt.Sprintf("%s is not a list (it holds %s): the operator cannot read this backup's retry state either.", recordsField, e.Value),
				Next:     fmt.Sprintf("Remove it with `kubectl logbackup reset-retries %s`; check what wrote it.", r.Target),
			})
		case strings.HasPrefix(e.Field, policyField):
			policy = append(policy, e.String())
		default:
			other = append(other, e.Field)
		}
	}
	if len(policy) > 0 {
		out = append(out, report.Finding{
			Severity: report.Warning,
			Summary:  "The retry policy holds a value that cannot be read: " + strings.Join(policy, "; ") + ". The retry numbers shown assume the default.",
			Next:     fmt.Sprintf("Fix spec.backoffRetryPolicy of %s (kubectl edit); the operator may reject or misread it.", r.Target),
		})
	}
	if len(other) > 0 {
		out = append(out, report.Finding{
			Severity: report.Warning,
			Summary:  fmt.Sprintf("%s of the backup could not be read (%s); shown as missing, so what depends on them is not judged.", text.Plural(len(other), "field"), strings.Join(other, ", ")),
			Next:     "Something other than the operator wrote this object: read it whole (kubectl get backup -o yaml), find the writer, and correct the field; the operator may fail on it too.",
		})
	}
	return out
}
