package diagnose

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Rules read from the backup's Jobs and Pods.

func containers(r *report.Report, _ Options) []report.Finding {
	// After the fix, a Failed backup must be recreated; a retrying one
	// picks the fix up at its next retry.
	then := "then let the next retry run"
	if r.Backup.Backup.Phase == backup.PhaseFailed {
		then = "then recreate the backup"
	}
	var out []report.Finding
	for _, p := range r.Workload.Pods {
		for _, c := range p.Containers {
			if f, ok := containerFinding(p, c, then); ok {
				out = append(out, f)
			}
		}
		if len(out) > 0 {
			break // the newest failing pod tells the current cause
		}
	}
	return out
}

func containerFinding(p report.Pod, c report.Container, then string) (report.Finding, bool) {
	where := fmt.Sprintf("container %s of pod %s", c.Name, p.Name)
	switch {
	case c.Reason == "OOMKilled" || c.MemoryLimit != "":
		limit := c.MemoryLimit
		next := "Set spec.resources.limits.memory large enough for the data set, " + then + "."
		if limit != "" {
			next = fmt.Sprintf("Raise spec.resources.limits.memory above %s (for example to %s), %s.", limit, doubled(limit), then)
		} else {
			limit = "none set"
		}
		return report.Finding{Severity: report.Critical,
			Summary: fmt.Sprintf("The %s was OOMKilled (memory limit %s).", where, limit), Next: next}, true
	case c.Reason == "ImagePullBackOff" || c.Reason == "ErrImagePull" || c.Reason == "InvalidImageName":
		return report.Finding{Severity: report.Critical,
			Summary: fmt.Sprintf("The %s cannot pull its image (%s): %s", where, c.Reason, c.Message),
			Next:    "Check the image name and tag (spec.toolImage, the operator's br image) and the registry credentials (imagePullSecrets)."}, true
	case c.Reason == "CrashLoopBackOff" || c.Reason == "CreateContainerConfigError":
		return report.Finding{Severity: report.Warning,
			Summary: fmt.Sprintf("The %s is in %s: %s", where, c.Reason, c.Message),
			Next:    "Read the pod log below; CreateContainerConfigError usually means a missing Secret or ConfigMap."}, true
	case c.State == "terminated" && c.ExitCode != nil && *c.ExitCode != 0:
		return report.Finding{Severity: report.Warning,
			Summary: fmt.Sprintf("The %s exited with code %d (%s).", where, *c.ExitCode, c.Reason),
			Next:    "Read the pod log below for the error br reported."}, true
	}
	return report.Finding{}, false
}

// doubled suggests twice a memory quantity, in the unit a person would write.
func doubled(q string) string {
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return "twice that"
	}
	v.Add(v)
	return v.String()
}
