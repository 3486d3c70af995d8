package render

import (
	"io"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Timeline draws a report's timeline.
// STUB: filled in by the timeline work.
func Timeline(w io.Writer, tl *report.Timeline, o Options) error {
	return nil
}
