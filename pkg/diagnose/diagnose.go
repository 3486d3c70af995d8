// Package diagnose turns a gathered report into findings: a short verdict
// and the next step, most urgent first. Each rule reads the report only;
// none calls the API, so diagnosis is the same for live and saved data.
package diagnose

import (
	"sort"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Options tune the thresholds.
type Options struct {
	// CheckpointLag above which a running log backup is reported stalled.
	CheckpointLag time.Duration
}

// DefaultCheckpointLag is the default of --checkpoint-lag.
const DefaultCheckpointLag = 10 * time.Minute

type rule func(r *report.Report, o Options) []report.Finding

// backupRules read the backup section only; status runs them on every
// backup of a fleet, so a row's verdict is investigate's from the backup
// alone.
func backupRules() []rule {
	return append([]rule{invalidFields, unknownPhase, exhausted, atLimit, failedPhase, transientRetry, logNotCovered, pendingRetry, retryRunning, checkpointLag},
		fieldBackupRules()...)
}

// fieldBackupRules are the field diagnoses that read the backup alone
// (docs/diagnoses.md), so status shows them too.
func fieldBackupRules() []rule {
	return []rule{noStatus, stuckDeletion, trackingStopped, logTask, disruptedRetry, progressStalled}
}

// sectionRules read what investigate gathers besides the backup.
func sectionRules() []rule {
	return []rule{containers, storageErrors, controllerMissing, forbiddenSections,
		noJob, taskTaken, retryOverlap, storageCredentials, truncateOOM} // the field diagnoses that read other sections
}

// Diagnose runs every rule; when none finds anything it says so.
func Diagnose(r *report.Report, o Options) []report.Finding {
	return run(r, o, append(append(backupRules(), sectionRules()...), metricsRules()...))
}

// Backup runs the rules that read the backup section only: the verdict
// that investigate would give from the backup alone.
func Backup(r *report.Report, o Options) []report.Finding {
	return run(r, o, backupRules())
}

func run(r *report.Report, o Options, rules []rule) []report.Finding {
	var out []report.Finding
	if r.Backup.Backup == nil {
		return out
	}
	for _, apply := range rules {
		out = append(out, apply(r, o)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Severity) < rank(out[j].Severity) })
	if (len(out) == 0 || out[0].Severity == report.Info) && !troubled(r.Backup.Backup.Phase) && !r.Backup.Retry.Retrying && !RetryRunning(r) {
		out = append([]report.Finding{healthy(r)}, out...)
	}
	return out
}

func rank(s report.Severity) int {
	switch s {
	case report.Critical:
		return 0
	case report.Warning:
		return 1
	}
	return 2
}

// troubled phases never get a "no problem" verdict, whatever else was
// or was not found; nor does a backup whose records say it is waiting for
// a retry, whatever its phase (operator v1 keeps Scheduled or Running).
func troubled(phase string) bool {
	return FailedPhase(phase) || phase == "RetryFailed"
}
