package fleet

import (
	"cmp"

	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// State is a row's place in the order of urgency.
type State string

// The states, most urgent first (the order of the request).
const (
	Exhausted State = "Exhausted"
	Failed    State = "Failed"
	Retrying  State = "Retrying"
	Lagging   State = "Lagging"
	// Attention: a warning or critical finding the states above do not
	// name (a field that cannot be read, the retry limit reached, the
	// controller's transient RetryFailed).
	Attention State = "Attention"
	Healthy   State = "Healthy"
)

// States in order of urgency.
func States() []State { return []State{Exhausted, Failed, Retrying, Lagging, Attention, Healthy} }

func (s State) rank() int {
	for i, x := range States() {
		if x == s {
			return i
		}
	}
	return len(States())
}

// NeedsAttention is what --failing keeps: everything but Healthy.
func (s State) NeedsAttention() bool { return s != Healthy }

func stateOf(rep *report.Report, findings []report.Finding, o diagnose.Options) State {
	b, s := rep.Backup.Backup, *rep.Backup.Retry
	switch {
	case s.ExhaustedBy != "":
		return Exhausted
	case diagnose.FailedPhase(b.Phase):
		return Failed
	case s.Retrying, diagnose.RetryRunning(rep):
		return Retrying
	case diagnose.CheckpointLagging(rep, o):
		return Lagging
	}
	for _, f := range findings {
		if f.Severity != report.Info {
			return Attention
		}
	}
	return Healthy
}

// severityRank orders findings within a state: critical first.
func severityRank(s report.Severity) int {
	switch s {
	case report.Critical:
		return 0
	case report.Warning:
		return 1
	}
	return 2
}

// Less orders rows most urgent first: by state, then the verdict's
// severity, then context, namespace and name.
func Less(a, b Row) int {
	return cmp.Or(
		cmp.Compare(a.State.rank(), b.State.rank()),
		cmp.Compare(severityRank(a.Verdict.Severity), severityRank(b.Verdict.Severity)),
		cmp.Compare(a.Context, b.Context),
		cmp.Compare(a.Namespace, b.Namespace),
		cmp.Compare(a.Name, b.Name),
		cmp.Compare(a.Group, b.Group),
	)
}
