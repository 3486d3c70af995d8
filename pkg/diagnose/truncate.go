package diagnose

import (
	"fmt"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// truncateOOM: a log truncate ran out of memory. BR reads the metadata
// of the whole range it deletes, so a large range needs a lot of memory
// (tidb#36648): besides memory, truncate in smaller steps.
func truncateOOM(r *report.Report, _ Options) []report.Finding {
	b := r.Backup.Backup
	for _, p := range r.Workload.Pods {
		if !strings.HasSuffix(p.Job, "-log-truncate") && b.LogSubcommand != "log-truncate" {
			continue
		}
		for _, c := range p.Containers {
			if c.Reason != "OOMKilled" {
				continue
			}
			ev := []string{fmt.Sprintf("container %s of pod %s (job %s) OOMKilled", c.Name, p.Name, p.Job)}
			if b.LogTruncateUntil != "" {
				ev = append(ev, "spec.logTruncateUntil "+quoteLine(b.LogTruncateUntil))
			}
			return []report.Finding{{
				Severity: report.Critical,
				Summary:  "The log truncate ran out of memory: BR loads the metadata of the whole range it deletes (tidb#36648)." + evidence(ev...),
				Next:     "Truncate in smaller steps: move spec.logTruncateUntil forward a few days at a time, each step after the last completes; and raise the memory limit of the backup pod (spec.resources.limits.memory, 16Gi is BR's advice for large clusters).",
			}}
		}
	}
	return nil
}
