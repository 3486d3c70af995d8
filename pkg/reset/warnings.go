package reset

import (
	"fmt"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// judgePods fills the failure's pod, cause and Unresolved from the
// backup's pods (newest first): the last failure is unresolved when its pod
// failed and no pod or job of the backup succeeded after it.
func judgePods(f *Failure, w report.WorkloadSection) {
	for _, pod := range w.Pods {
		if pod.Phase == "Succeeded" {
			return // the newest finished run worked
		}
		for _, c := range pod.Containers {
			if !c.Failed() {
				continue
			}
			f.Pod, f.Container, f.Cause = pod.Name, c.Name, containerCause(c)
			f.Unresolved = true
			for _, j := range w.Jobs {
				if j.Succeeded > 0 && pod.Started != nil && j.Created.After(*pod.Started) {
					f.Unresolved = false
				}
			}
			return
		}
	}
}

// containerCause says in a few words why a container failed.
func containerCause(c report.Container) string {
	parts := []string{}
	if c.Reason != "" {
		parts = append(parts, c.Reason)
	}
	if c.ExitCode != nil {
		parts = append(parts, fmt.Sprintf("exit %d", *c.ExitCode))
	}
	if c.MemoryLimit != "" {
		parts = append(parts, "memory limit "+c.MemoryLimit)
	}
	if len(parts) == 0 {
		parts = append(parts, c.State)
	}
	s := strings.Join(parts, ", ")
	if c.Message != "" {
		s += ": " + text.OneLine(c.Message)
	}
	return s
}

// warnings are the plain-language reasons a reset will not help.
func warnings(p *Plan) []string {
	out := []string{}
	if p.Phase == backup.PhaseFailed {
		why := ""
		if p.Retry.FailedReason != "" {
			why = " (" + p.Retry.FailedReason + ")"
		}
		out = append(out, fmt.Sprintf("The phase is already Failed%s: the controller skips Failed backups, so removing "+
			"the records will not make it retry. Fix the cause, then recreate the backup (delete it and apply its "+
			"manifest again, or create a new Backup under another name).", why))
	}
	if f := p.LastFailure; f != nil && f.Unresolved {
		out = append(out, fmt.Sprintf("The last failure looks unresolved: container %s of pod %s failed (%s) and nothing "+
			"of this backup has succeeded since. A reset only restores the retry budget; the next run will likely fail "+
			"the same way. Fix the cause first (see kubectl logbackup investigate %s).", f.Container, f.Pod, f.Cause, p.Target))
	}
	return out
}
