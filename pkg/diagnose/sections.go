package diagnose

import (
	"fmt"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Rules about sections that could not be read.

// forbiddenSections names the other sections the user may not read.
func forbiddenSections(r *report.Report, _ Options) []report.Finding {
	var out []report.Finding
	for _, s := range []struct{ name, err string }{
		{"events", r.Events.Error}, {"jobs and pods", r.Workload.Error}, {"pod log", r.PodLog.Error},
	} {
		if s.err != "" {
			out = append(out, report.Finding{Severity: report.Info, Summary: fmt.Sprintf("Section %s incomplete: %s.", s.name, s.err)})
		}
	}
	return out
}
