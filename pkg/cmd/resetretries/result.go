package resetretries

import (
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/printers"

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
	metav1.TypeMeta `json:",inline"`
	DryRun          string     `json:"dryRun"`
	Items           []*Outcome `json:"items"`
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
	return &Result{TypeMeta: metav1.TypeMeta{APIVersion: report.APIVersion, Kind: ResultKind}, DryRun: dryRun, Items: []*Outcome{}}
}

// add appends an outcome and returns it for the caller to fill in.
func (r *Result) add(target backup.Ref, p *reset.Plan) *Outcome {
	o := &Outcome{Target: target, Preview: p}
	r.Items = append(r.Items, o)
	return o
}

// print writes the result with cli-runtime's printers, as kubectl's -o
// json|yaml does.
func (r *Result) print(w io.Writer, format string) error {
	var p printers.ResourcePrinter
	switch format {
	case "json":
		p = &printers.JSONPrinter{}
	case "yaml":
		p = &printers.YAMLPrinter{}
	default:
		return fmt.Errorf("invalid --output %q: use json or yaml, or leave it out for text", format)
	}
	return p.PrintObj(r, w)
}

// DeepCopyObject satisfies runtime.Object for the printers. The previews
// copy themselves: they hold the stored records their patch tests.
func (r *Result) DeepCopyObject() runtime.Object {
	out := report.CopyJSON(r)
	for i, item := range r.Items {
		if item.Preview != nil {
			out.Items[i].Preview = item.Preview.DeepCopy()
		}
	}
	return out
}

// GetObjectKind satisfies runtime.Object.
func (r *Result) GetObjectKind() schema.ObjectKind { return &r.TypeMeta }
