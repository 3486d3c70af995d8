package diagnose

import (
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Rules read from the controller section.

func controllerMissing(r *report.Report, _ Options) []report.Finding {
	if r.Controller.Error == "" {
		return nil
	}
	return []report.Finding{{
		Severity: report.Info,
		Summary:  "Controller logs unavailable: " + r.Controller.Error + ".",
	}}
}
