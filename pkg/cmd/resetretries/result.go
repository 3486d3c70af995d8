package resetretries

import (
	"encoding/json"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/reset"
)

// ResultKind is the kind of the structured output (-o json|yaml).
const ResultKind = "RetryReset"

// What happened to one backup.
const (
	OutcomeReset    = "reset"
	OutcomeNothing  = "nothing-to-reset"
	OutcomeDeclined = "declined"
	OutcomeDryRun   = "dry-run"
	OutcomeChanged  = "changed" // the patch's test failed: the backup changed after the preview
	OutcomeFailed   = "failed"
)

// Result is the structured output: one item per backup, in the order they
// were handled.
type Result struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	DryRun     string     `json:"dryRun"`
	Items      []*Outcome `json:"items"`
}

// Outcome of one backup.
type Outcome struct {
	Target  backup.Ref  `json:"target"`
	Outcome string      `json:"outcome"`
	Preview *reset.Plan `json:"preview,omitempty"`
	// PatchPath and Patch are what was (or, for a client dry run, would
	// have been) sent.
	PatchPath string     `json:"patchPath,omitempty"`
	Patch     []reset.Op `json:"patch,omitempty"`
	// After is the backup as read back, or as the server answered a
	// server dry run.
	After *reset.After `json:"after,omitempty"`
	// Event is the audit event's name; By is who it names.
	Event    string   `json:"event,omitempty"`
	By       string   `json:"by,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	Error    string   `json:"error,omitempty"`
}

func newResult(dryRun string) *Result {
	return &Result{APIVersion: report.APIVersion, Kind: ResultKind, DryRun: dryRun, Items: []*Outcome{}}
}

// add appends an outcome and returns it for the caller to fill in.
func (r *Result) add(target backup.Ref, p *reset.Plan) *Outcome {
	o := &Outcome{Target: target, Preview: p}
	r.Items = append(r.Items, o)
	return o
}

func (r *Result) print(w io.Writer, format string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if format == "yaml" {
		if data, err = yaml.JSONToYAML(data); err != nil {
			return err
		}
	} else {
		data = append(data, '\n')
	}
	_, err = w.Write(data)
	return err
}
