package fleet

import (
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// maxMessageBytes bounds the condition message kept per row (a table
// cell shows 512 bytes): a row is small whatever an object holds, so
// 10,000 rows stay a few megabytes.
const maxMessageBytes = 512

// Row is one backup as status shows it.
type Row struct {
	// Context is the kubeconfig context it was read from (--contexts).
	Context   string `json:"context,omitempty"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Group     string `json:"group"`
	Operator  string `json:"operator"` // v1 (pingcap.com) or v2 (br.pingcap.com)
	UID       string `json:"uid"`
	// ResourceVersion of the object the row was made from: a watch that
	// lists again gets the same version and prints nothing.
	ResourceVersion string    `json:"resourceVersion"`
	Created         time.Time `json:"created"`
	Mode            string    `json:"mode"`
	// Cluster and ClusterNamespace: the TiDB cluster (spec.br), which
	// tells a log backup's task series from another cluster's.
	Cluster          string `json:"cluster,omitempty"`
	ClusterNamespace string `json:"clusterNamespace,omitempty"`
	LogSubcommand    string `json:"logSubcommand,omitempty"`
	Phase            string `json:"phase"`
	State            State  `json:"state"`
	// Retry is the retry arithmetic at the time of the list.
	Retry  backup.RetryState  `json:"retry"`
	Policy backup.RetryPolicy `json:"retryPolicy"`
	// LastFailure is the reason of the newest failure: the last retry
	// record's original reason, or the Failed condition's reason.
	LastFailure string             `json:"lastFailure,omitempty"`
	Checkpoint  *report.Checkpoint `json:"checkpoint,omitempty"`
	// Condition is the newest condition (its message cut to 512 bytes).
	Condition *backup.Condition `json:"condition,omitempty"`
	// Verdict is the first finding investigate gives from the backup
	// alone; Findings counts them all.
	Verdict  report.Finding `json:"verdict"`
	Findings int            `json:"findings"`
	// Invalid names the fields that could not be decoded.
	Invalid []string `json:"invalid,omitempty"`
	// Metrics: Prometheus' figures (status -o wide, when it answers).
	Metrics *Figures `json:"metrics,omitempty"`
}

// NewRow reduces a backup to its row, diagnosed with the backup rules.
func NewRow(b *backup.Backup, statusSubresource bool, now time.Time, o diagnose.Options) Row {
	rep := report.New(backup.Ref{Namespace: b.Namespace, Name: b.Name}, now)
	rep.Backup = report.NewBackupSection(b, statusSubresource, now)
	findings := diagnose.Backup(rep, o)
	r := Row{
		Namespace: b.Namespace, Name: b.Name, Group: b.Group, Operator: operator(b.Group), UID: b.UID, ResourceVersion: b.ResourceVersion,
		Created: b.Created, Mode: b.Mode, Cluster: b.Cluster, ClusterNamespace: b.ClusterNamespace, LogSubcommand: b.LogSubcommand, Phase: b.Phase,
		Retry: *rep.Backup.Retry, Policy: b.Policy, Checkpoint: rep.Backup.Checkpoint,
		LastFailure: text.Cut(lastFailure(b, *rep.Backup.Retry), maxMessageBytes), Condition: newestCondition(b),
		Findings: len(findings),
	}
	if len(findings) > 0 {
		r.Verdict = findings[0]
	}
	for _, f := range b.Invalid {
		r.Invalid = append(r.Invalid, f.Field)
	}
	r.State = stateOf(rep, findings, o)
	return r
}

func operator(group string) string {
	if group == backup.GroupV2 {
		return "v2"
	}
	return "v1"
}

func lastFailure(b *backup.Backup, s backup.RetryState) string {
	if s.FailedReason != "" {
		return s.FailedReason
	}
	if n := len(b.Records); n > 0 {
		last := b.Records[n-1]
		if last.OriginalReason != "" {
			return last.OriginalReason
		}
		return last.RetryReason
	}
	return ""
}

func newestCondition(b *backup.Backup) *backup.Condition {
	var newest *backup.Condition
	for i := range b.Conditions {
		c := &b.Conditions[i]
		if newest == nil || c.LastTransitionTime != nil && (newest.LastTransitionTime == nil || !c.LastTransitionTime.Before(*newest.LastTransitionTime)) {
			newest = c
		}
	}
	if newest == nil {
		return nil
	}
	c := *newest
	c.Message = text.Cut(c.Message, maxMessageBytes)
	return &c
}
