// Package timeline puts everything a report holds on one time axis.
package timeline

import "github.com/logbackup/kubectl-logbackup/pkg/report"

// Build orders a report's dated facts into groups by cause, with the gaps
// that matter. It reads the report only.
// STUB: filled in by the timeline work.
func Build(r *report.Report) report.Timeline {
	return report.Timeline{Groups: []report.TimelineGroup{}, Gaps: []report.TimelineGap{}}
}
