package resetretries

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/render"
	"github.com/logbackup/kubectl-logbackup/pkg/reset"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// printer writes the text a person reads: previews, the outcome of each
// backup. It keeps the first write error so the flow stays a plain
// sequence of lines.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

func (p *printer) records(indent string, recs []backup.RetryRecord) {
	if p.err == nil {
		p.err = render.RetryTable(p.w, indent, recs)
	}
}

// preview is what the user sees before the question; the header line
// matches investigate's.
func (p *printer) preview(pl *reset.Plan) {
	p.f("Backup %s\n", render.Headline(pl.Target, pl.Group+"/"+pl.Version, pl.StatusSubresource))
	p.f("  Mode:          %s\n", render.ModeText(pl.Mode, pl.LogSubcommand))
	p.f("  Phase:         %s\n", render.PhaseText(pl.Phase, pl.Retry))
	if pl.Empty() {
		return
	}
	p.f("  Retries used:  %s (0 after the reset)\n", render.RetriesUsed(pl.Retry))
	if f := pl.LastFailure; f != nil {
		p.f("  Last failure:  %s\n", lastFailure(f))
		if f.Pod != "" {
			p.f("  Failed pod:    %s (container %s: %s)\n", f.Pod, f.Container, f.Cause)
		}
	}
	p.f("  Patch:         PATCH %s\n", pl.Path())
	p.f("\n  To remove (status.backoffRetryStatus, %s):\n", reset.CountRecords(len(pl.Records)))
	p.records("    ", pl.Records)
	if len(pl.Warnings)+len(pl.Notes) > 0 {
		p.f("\n")
	}
	for _, w := range pl.Warnings {
		p.f("  WARNING: %s\n", w)
	}
	for _, n := range pl.Notes {
		p.f("  Note: %s\n", n)
	}
}

func lastFailure(f *reset.Failure) string {
	s := fmt.Sprintf("#%d", f.RetryNum)
	if f.DetectedAt != nil {
		s += " detected " + f.DetectedAt.UTC().Format(time.RFC3339)
	}
	s += ": " + text.Dash(text.OneLine(f.Reason))
	if f.OriginalReason != "" {
		s += " (original reason: " + text.OneLine(f.OriginalReason) + ")"
	}
	return s
}

func (p *printer) nothing(pl *reset.Plan) {
	p.f("\nNothing to reset: %s has no retry records (status.backoffRetryStatus is absent or empty); no patch was sent.\n\n", pl.Target)
}

// clientDryRun shows the request that would be sent.
func (p *printer) clientDryRun(pl *reset.Plan, patch string) {
	p.f("\nDry run (client): nothing was sent. The request would be:\n")
	p.f("  PATCH %s\n  Content-Type: application/json-patch+json\n", pl.Path())
	for _, line := range strings.Split(patch, "\n") {
		p.f("  %s\n", line)
	}
	p.f("\n")
}

// serverDryRun shows the API server's answer to a dryRun=All patch.
func (p *printer) serverDryRun(pl *reset.Plan, after *reset.After) {
	p.f("\nDry run (server): the API server accepted the patch (RBAC, the record tests, admission) and stored nothing.\n")
	p.f("  Its answer: %s would be left (now %d); phase %s.\n\n", reset.CountRecords(len(after.Records)), len(pl.Records), text.Dash(after.Phase))
}

func (p *printer) declined(pl *reset.Plan) {
	p.f("Not reset: %s is unchanged.\n\n", pl.Target)
}

// reset shows the read-back state after the patch.
func (p *printer) reset(pl *reset.Plan, after *reset.After) {
	p.f("\nRemoved %s from %s (PATCH %s).\n", reset.CountRecords(len(pl.Records)), pl.Target, pl.Path())
	if after == nil {
		return
	}
	if len(after.Records) == 0 {
		p.f("  Read back:     no retry records left (status.backoffRetryStatus is absent); phase %s.\n", text.Dash(after.Phase))
		return
	}
	p.f("  Read back:     %s, written by the controller after the reset; phase %s:\n", reset.CountRecords(len(after.Records)), text.Dash(after.Phase))
	p.records("    ", after.Records)
}

func (p *printer) event(ns, name, by string) {
	p.f("  Audit event:   %s by %s (event %s/%s).\n\n", reset.EventReason, by, ns, name)
}

// changed shows the records the backup holds now, when the patch's test
// failed; the error line follows on stderr.
func (p *printer) changed(e *reset.ChangedError) {
	p.f("\nThe backup changed after the preview: it now has %s:\n", reset.CountRecords(len(e.Now)))
	if len(e.Now) > 0 {
		p.records("    ", e.Now)
	}
	p.f("\n")
}
