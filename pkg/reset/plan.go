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

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Plan is the preview of one reset: what the user sees before answering,
// and exactly what the patch will test and remove.
type Plan struct {
	Target  backup.Ref `json:"target"`
	Group   string     `json:"group"`
	Version string     `json:"version"`
	UID     string     `json:"uid"`
	// ResourceVersion is what the patch tests instead of the records when
	// they hold a null (see Plan.Patch).
	ResourceVersion string `json:"resourceVersion"`
	Mode            string `json:"mode"`
	LogSubcommand   string `json:"logSubcommand,omitempty"`
	Phase           string `json:"phase"`
	// StatusSubresource: discovery lists backups/status, so the patch must
	// go there (operator v2); otherwise to the main resource (v1).
	StatusSubresource bool                 `json:"statusSubresource"`
	Retry             backup.RetryState    `json:"retry"`
	Records           []backup.RetryRecord `json:"records"`
	LastFailure       *Failure             `json:"lastFailure,omitempty"`
	// Invalid lists the backup's fields that could not be decoded; the
	// patch still works, it tests the records as stored.
	Invalid  []backup.FieldError `json:"invalid,omitempty"`
	Warnings []string            `json:"warnings"`
	// Notes are checks that could not be made (e.g. pods not readable).
	Notes []string `json:"notes,omitempty"`

	// Malformed: status.backoffRetryStatus is not a list. The operator
	// cannot read such a backup either (tidb-operator#5584); removing the
	// field is the remedy, so the reset offers it.
	Malformed bool `json:"malformed,omitempty"`

	// stored is status.backoffRetryStatus exactly as the server sent it:
	// the patch tests this value, not a re-encoding of Records.
	stored any
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
func (p *Plan) Empty() bool { return !hasRecords(p.stored) }

// hasRecords: a backoffRetryStatus value that a reset would remove: a
// list with records, or anything that is not a list.
func hasRecords(stored any) bool {
	list, isList := stored.([]any)
	return stored != nil && (!isList || len(list) > 0)
}

// NewPlan previews the reset of a found backup. It reads the backup's
// pods to judge the last failure; when it may not, the plan says so in
// Notes and carries on.
func NewPlan(ctx context.Context, c backupapi.Clients, f backupapi.Found, now time.Time) (*Plan, error) {
	b, err := backup.FromUnstructured(f.Object)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		Target:            backup.Ref{Namespace: b.Namespace, Name: b.Name},
		Group:             b.Group,
		Version:           b.Version,
		UID:               b.UID,
		ResourceVersion:   b.ResourceVersion,
		Mode:              b.Mode,
		LogSubcommand:     b.LogSubcommand,
		Phase:             b.Phase,
		StatusSubresource: f.API.StatusSubresource,
		Retry:             b.Retry(now),
		Records:           b.Records,
		Invalid:           b.Invalid,
		Warnings:          []string{},
		stored:            storedRecords(f.Object),
	}
	_, isList := p.stored.([]any)
	p.Malformed = p.stored != nil && !isList
	if p.Records == nil {
		p.Records = []backup.RetryRecord{}
	}
	if p.Empty() {
		return p, nil
	}
	if len(b.Records) == 0 {
		return p, nil // malformed: nothing to judge
	}
	p.LastFailure = lastFailure(b)
	if c.Kube != nil {
		owned, err := backupapi.ListOwned(ctx, c.Kube, b)
		if err != nil {
			p.Notes = append(p.Notes, "could not check whether the last failure is resolved: "+err.Error())
		} else {
			judgePods(p.LastFailure, report.NewWorkload(owned.Jobs, owned.Pods, owned.PodJob, owned.Unowned))
		}
	}
	p.Warnings = warnings(p)
	return p, nil
}

func lastFailure(b *backup.Backup) *Failure {
	last := b.Records[len(b.Records)-1]
	return &Failure{RetryNum: last.RetryNum, DetectedAt: last.DetectFailedAt, Reason: last.RetryReason, OriginalReason: last.OriginalReason}
}

// storedRecords is status.backoffRetryStatus as the server sent it, of
// whatever type (nil when absent).
func storedRecords(u *unstructured.Unstructured) any {
	status, _ := u.Object["status"].(map[string]any)
	return status["backoffRetryStatus"]
}

// What says what the reset removes: "2 retry records", or the malformed
// field.
func (p *Plan) What() string {
	if p.Malformed {
		return "the malformed status.backoffRetryStatus"
	}
	return CountRecords(len(p.Records))
}

// CountRecords says "1 retry record" or "N retry records".
func CountRecords(n int) string {
	if n == 1 {
		return "1 retry record"
	}
	return fmt.Sprintf("%d retry records", n)
}
