// Package reset removes a backup's retry records (status.backoffRetryStatus)
// safely: a preview of exactly what goes, a JSON patch that tests those
// records before removing them, sent where the operator's CRD keeps status,
// a read-back, and an audit Event.
package reset

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Plan is the preview of one reset: what the user sees before answering,
// and exactly what the patch will test and remove.
type Plan struct {
	Target        backup.Ref `json:"target"`
	Group         string     `json:"group"`
	Version       string     `json:"version"`
	UID           string     `json:"uid"`
	Mode          string     `json:"mode"`
	LogSubcommand string     `json:"logSubcommand,omitempty"`
	Phase         string     `json:"phase"`
	// StatusSubresource: discovery lists backups/status, so the patch must
	// go there (operator v2); otherwise to the main resource (v1).
	StatusSubresource bool                 `json:"statusSubresource"`
	Retry             backup.RetryState    `json:"retry"`
	Records           []backup.RetryRecord `json:"records"`
	LastFailure       *Failure             `json:"lastFailure,omitempty"`
	Warnings          []string             `json:"warnings"`
	// Notes are checks that could not be made (e.g. pods not readable).
	Notes []string `json:"notes,omitempty"`

	// stored is status.backoffRetryStatus exactly as the server sent it:
	// the patch tests these values, not a re-encoding of Records.
	stored []any
}

// Failure is the cause of the newest failure, from the newest record and,
// when readable, the newest failed pod.
type Failure struct {
	RetryNum       int        `json:"retryNum"`
	DetectedAt     *time.Time `json:"detectedAt,omitempty"`
	Reason         string     `json:"reason,omitempty"`
	OriginalReason string     `json:"originalReason,omitempty"`
	// Pod and Container describe the newest failed pod, if any.
	Pod       string `json:"pod,omitempty"`
	Container string `json:"container,omitempty"`
	// Cause is the container's state in a few words ("OOMKilled, exit 137,
	// memory limit 512Mi").
	Cause string `json:"cause,omitempty"`
	// Unresolved: that pod failed and nothing of the backup succeeded since.
	Unresolved bool `json:"unresolved"`
}

// DeepCopy copies the plan, including the records as stored, which the
// patch tests and a JSON round trip would drop.
func (p *Plan) DeepCopy() *Plan {
	out := report.CopyJSON(p)
	if p.stored != nil {
		out.stored = runtime.DeepCopyJSONValue(p.stored).([]any)
	}
	return out
}

// Resource is what the patch is sent to: "backups" or "backups/status".
func (p *Plan) Resource() string {
	if p.StatusSubresource {
		return backup.Resource + "/status"
	}
	return backup.Resource
}

// subresource is the dynamic client's subresource argument.
func (p *Plan) subresource() []string {
	if p.StatusSubresource {
		return []string{"status"}
	}
	return nil
}

// Empty: there is nothing to reset, so no patch is sent.
func (p *Plan) Empty() bool { return len(p.Records) == 0 }

// NewPlan previews the reset of obj, served by api. It reads the backup's
// pods to judge the last failure; when it may not, the plan says so in
// Notes and carries on.
func NewPlan(ctx context.Context, c gather.Clients, api gather.API, obj *unstructured.Unstructured, now time.Time) (*Plan, error) {
	b, err := backup.FromUnstructured(obj)
	if err != nil {
		return nil, err
	}
	stored := storedRecords(obj)
	p := &Plan{
		Target:            backup.Ref{Namespace: b.Namespace, Name: b.Name},
		Group:             b.Group,
		Version:           b.Version,
		UID:               b.UID,
		Mode:              b.Mode,
		LogSubcommand:     b.LogSubcommand,
		Phase:             b.Phase,
		StatusSubresource: api.StatusSubresource,
		Retry:             b.Retry(now),
		Records:           b.Records,
		Warnings:          []string{},
		stored:            stored,
	}
	if p.Records == nil {
		p.Records = []backup.RetryRecord{}
	}
	if p.Empty() {
		return p, nil
	}
	p.LastFailure = lastFailure(b)
	if c.Kube != nil {
		w := gather.Workload(ctx, c.Kube, b)
		if w.Error != "" {
			p.Notes = append(p.Notes, "could not check whether the last failure is resolved: "+w.Error)
		} else {
			judgePods(p.LastFailure, w)
		}
	}
	p.Warnings = warnings(p)
	return p, nil
}

func lastFailure(b *backup.Backup) *Failure {
	last := b.Records[len(b.Records)-1]
	return &Failure{RetryNum: last.RetryNum, DetectedAt: last.DetectFailedAt, Reason: last.RetryReason, OriginalReason: last.OriginalReason}
}

// storedRecords is status.backoffRetryStatus as the server sent it.
// FromUnstructured has already refused a value that is not a list.
func storedRecords(u *unstructured.Unstructured) []any {
	s, _, _ := unstructured.NestedSlice(u.Object, "status", "backoffRetryStatus")
	return s
}

// CountRecords says "1 retry record" or "N retry records".
func CountRecords(n int) string {
	if n == 1 {
		return "1 retry record"
	}
	return fmt.Sprintf("%d retry records", n)
}
