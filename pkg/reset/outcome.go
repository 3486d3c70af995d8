package reset

import (
	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
)

// ResultKind is the kind of reset-retries' structured output.
const ResultKind = "RetryReset"

// What happened to one backup.
const (
	OutcomeReset    = "reset"
	OutcomeNothing  = "nothing-to-reset"
	OutcomeDeclined = "declined"
	OutcomeDryRun   = "dry-run"
	OutcomeChanged  = "changed" // the patch's test failed: the backup changed after the preview
	OutcomeFailed   = "failed"
	// OutcomeUnknown: the patch was sent, its answer was lost, and the
	// backup could not be read back to tell whether it was applied.
	OutcomeUnknown = "unknown"
	// OutcomeSkipped: an interrupt came before this backup's turn.
	OutcomeSkipped = "skipped"
)

// Result is the structured output: one item per backup, in the order they
// were handled.
type Result struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	DryRun     string     `json:"dryRun"`
	Items      []*Outcome `json:"items"`
	// Interrupted: a signal stopped the command; items not reached are
	// "skipped".
	Interrupted bool `json:"interrupted,omitempty"`
}

// NewResult starts an empty result.
func NewResult(dryRun string) *Result {
	return &Result{APIVersion: output.APIVersion, Kind: ResultKind, DryRun: dryRun, Items: []*Outcome{}}
}

// OutputKind makes the result printable with output.Print.
func (r *Result) OutputKind() (string, string) { return r.APIVersion, r.Kind }

// Add appends an outcome and returns it for the caller to fill in.
func (r *Result) Add(target backup.Ref, p *Plan) *Outcome {
	o := &Outcome{Target: target, Preview: p}
	r.Items = append(r.Items, o)
	return o
}

// Changed tells whether any backup was reset: once one was, nothing that
// follows may make the command fail (a print error is only a warning).
func (r *Result) Changed() bool {
	for _, it := range r.Items {
		if it.Outcome == OutcomeReset {
			return true
		}
	}
	return false
}

// Outcome of one backup.
type Outcome struct {
	Target  backup.Ref `json:"target"`
	Outcome string     `json:"outcome"`
	Preview *Plan      `json:"preview,omitempty"`
	// PatchPath and Patch are what was (or, for a client dry run, would
	// have been) sent.
	PatchPath string `json:"patchPath,omitempty"`
	Patch     []Op   `json:"patch,omitempty"`
	// After is the backup as read back, or as the server answered a
	// server dry run.
	After *After `json:"after,omitempty"`
	// Changed is what the backup holds when the patch's test refused it.
	Changed *ChangedError `json:"-"`
	// Note explains an outcome that was not read from the patch's own
	// answer (e.g. the answer was lost and the backup was read back).
	Note string `json:"note,omitempty"`
	// Event is the audit event's name; By is who it names.
	Event    string   `json:"event,omitempty"`
	By       string   `json:"by,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Error    string   `json:"error,omitempty"`
	// Err is Error as an error value, for the command's exit status.
	Err error `json:"-"`
}

// fail records the error; an outcome already decided (changed, unknown)
// keeps its name.
func (o *Outcome) fail(err error) *Outcome {
	if o.Outcome == "" || o.Outcome == OutcomeReset {
		o.Outcome = OutcomeFailed
	}
	o.Err, o.Error = err, err.Error()
	return o
}

// Fail records an error met outside Do (reading, the prompt).
func (o *Outcome) Fail(err error) *Outcome { return o.fail(err) }
