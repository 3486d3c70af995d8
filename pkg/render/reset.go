package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/reset"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// ResetPreview is what the user sees before the question; its header
// matches investigate's.
func ResetPreview(w io.Writer, pl *reset.Plan, o Options) error {
	p := newPrinter(w, o, time.Time{})
	p.f("%s %s\n", p.paint(bold, "Backup"), headline(pl.Target, pl.Group+"/"+pl.Version, pl.StatusSubresource))
	p.f("  Mode:          %s\n", modeText(pl.Mode, pl.LogSubcommand))
	p.f("  Phase:         %s\n", phaseText(pl.Phase, pl.Retry))
	if pl.Empty() {
		return p.err
	}
	p.f("  Retries used:  %s (0 after the reset)\n", retriesUsed(pl.Retry))
	if f := pl.LastFailure; f != nil {
		p.f("  Last failure:  %s\n", lastFailure(f))
		if f.Pod != "" {
			p.f("  Failed pod:    %s (container %s: %s)\n", f.Pod, f.Container, f.Cause)
		}
	}
	p.f("  Patch:         PATCH %s\n", pl.Path())
	if pl.Malformed {
		p.f("\n  To remove: status.backoffRetryStatus, which is not a list: neither this plugin nor the operator can read it.\n")
	} else {
		p.f("\n  To remove (status.backoffRetryStatus, %s):\n", reset.CountRecords(len(pl.Records)))
		p.retryTable("    ", pl.Records)
	}
	if len(pl.Warnings)+len(pl.Notes)+len(pl.Invalid) > 0 {
		p.f("\n")
	}
	for _, w := range pl.Warnings {
		p.f("  %s %s\n", p.paint(yellow, "WARNING:"), w)
	}
	for _, n := range pl.Notes {
		p.f("  Note: %s\n", n)
	}
	for _, e := range pl.Invalid {
		p.f("  Note: field %s could not be read (%s; expected %s); the patch removes the records as stored.\n", e.Field, e.Value, e.Expected)
	}
	return p.err
}

// ResetQuestion is the one line the user answers, drawn safe like the rest.
func ResetQuestion(plans []*reset.Plan) string {
	if len(plans) == 1 {
		return text.Clean(fmt.Sprintf("Remove %s from %s?", plans[0].What(), plans[0].Target))
	}
	total, each := 0, make([]string, len(plans))
	for i, p := range plans {
		total += len(p.Records)
		each[i] = fmt.Sprintf("%s: %d", p.Target, len(p.Records))
		if p.Malformed {
			each[i] = fmt.Sprintf("%s: malformed", p.Target)
		}
	}
	return text.Clean(fmt.Sprintf("Remove %s from %d backups (%s)?", reset.CountRecords(total), len(plans), strings.Join(each, ", ")))
}

// ResetNothingInNamespace: --all found no backup with records.
func ResetNothingInNamespace(w io.Writer, ns string, o Options) error {
	p := newPrinter(w, o, time.Time{})
	p.f("Nothing to reset: no backup in namespace %s has retry records; no patch was sent.\n", ns)
	return p.err
}

// ResetAwaitingAnswer: an interrupt came while a patch was on its way.
func ResetAwaitingAnswer(w io.Writer, target fmt.Stringer, wait time.Duration, o Options) error {
	p := newPrinter(w, o, time.Time{})
	p.f("\nInterrupted: finishing what was started for %s: the patch already sent, then its read-back and the audit event (at most %s each). Ctrl-C again quits at once.\n", target, wait.String())
	return p.err
}

func lastFailure(f *reset.Failure) string {
	s := fmt.Sprintf("#%d", f.RetryNum)
	if f.DetectedAt != nil {
		s += " detected " + stamp(*f.DetectedAt)
	}
	s += ": " + text.Dash(text.OneLine(f.Reason))
	if f.OriginalReason != "" {
		s += " (original reason: " + text.OneLine(f.OriginalReason) + ")"
	}
	return s
}

// ResetOutcome draws what happened to one backup after the question (or
// without one: --yes, a dry run).
func ResetOutcome(w io.Writer, out *reset.Outcome, o Options) error {
	p := newPrinter(w, o, time.Time{})
	pl := out.Preview
	switch out.Outcome {
	case reset.OutcomeNothing:
		p.f("\nNothing to reset: %s has no retry records (status.backoffRetryStatus is absent or empty); no patch was sent.\n\n", out.Target)
	case reset.OutcomeDeclined:
		p.f("Not reset: %s is unchanged.\n\n", out.Target)
	case reset.OutcomeDryRun:
		if out.After == nil {
			clientDryRun(p, out)
		} else {
			p.f("\nDry run (server): the API server accepted the patch (RBAC, the record tests, admission) and stored nothing.\n")
			p.f("  Its answer: %s would be left (now %d); phase %s.\n\n", reset.CountRecords(len(out.After.Records)), len(pl.Records), text.Dash(out.After.Phase))
		}
	case reset.OutcomeChanged:
		if c := out.Changed; c != nil {
			p.f("\nThe backup changed after the preview: it now has %s:\n", reset.CountRecords(len(c.Now)))
			if len(c.Now) > 0 {
				p.retryTable("    ", c.Now)
			}
			p.f("\n")
		}
	case reset.OutcomeReset:
		resetDone(p, out)
	}
	return p.err
}

// clientDryRun shows the request that would be sent.
func clientDryRun(p *printer, out *reset.Outcome) {
	p.f("\nDry run (client): nothing was sent. The request would be:\n")
	p.f("  PATCH %s\n  Content-Type: application/json-patch+json\n", out.PatchPath)
	// The patch as the JSON it is: escaped the way -o json escapes, so it
	// is both safe and valid.
	data, err := output.JSONText(out.Patch)
	if err != nil {
		data = fmt.Sprintf("(cannot encode the patch: %v)", err)
	}
	for _, line := range strings.Split(data, "\n") {
		p.f("  %s\n", styled(line))
	}
	if strings.Contains(data, text.Redacted) {
		p.f("  (values that look like credentials are shown as %s here; the request carries them as stored)\n", text.Redacted)
	}
	p.f("\n")
}

// resetDone shows the read-back state and the audit event.
func resetDone(p *printer, out *reset.Outcome) {
	pl := out.Preview
	p.f("\nRemoved %s from %s (PATCH %s).\n", pl.What(), pl.Target, pl.Path())
	if out.Note != "" {
		p.f("  Note:          %s.\n", out.Note)
	}
	if a := out.After; a != nil {
		if len(a.Records) == 0 {
			p.f("  Read back:     no retry records left (status.backoffRetryStatus is absent); phase %s.\n", text.Dash(a.Phase))
		} else {
			p.f("  Read back:     %s, written by the controller after the reset; phase %s:\n", reset.CountRecords(len(a.Records)), text.Dash(a.Phase))
			p.retryTable("    ", a.Records)
		}
	}
	for _, w := range out.Warnings {
		p.f("  %s       %s.\n", p.paint(yellow, "Warning:"), w)
	}
	if out.Event != "" {
		p.f("  Audit event:   %s by %s (event %s).\n", reset.EventReason, out.By, out.Event)
	}
	p.f("\n")
}
