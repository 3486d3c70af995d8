package gather

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// BackupContainer is the operator's main container in a backup pod.
const BackupContainer = "backup"

// gatherPodLog reads the last lines of the most recent failed backup pod,
// from the container that failed (the br init container or backup).
func gatherPodLog(ctx context.Context, kube kubernetes.Interface, ns string, pods []report.Pod, tail, limitBytes int64) report.PodLogSection {
	sec := report.PodLogSection{Lines: []string{}}
	pod, container := failedPod(pods)
	if pod == "" {
		sec.Note = "no failed backup pod that ran: a retry deletes the failed Job and its Pod, so its log may be gone; a container that never started has none"
		return sec
	}
	sec.Pod, sec.Container = pod, container
	opts := &corev1.PodLogOptions{Container: container, TailLines: &tail, LimitBytes: &limitBytes}
	scan, err := scanLog(ctx, kube, ns, pod, opts, int(tail), nil)
	if err != nil {
		sec.Error = sectionError(backupapi.Access(err, "get", "", "pods", "log", ns))
		return sec
	}
	sec.Lines = scan.texts()
	sec.Truncated = scan.truncated
	sec.LinesOverBudget = max(min(int(tail), scan.matched)-len(sec.Lines), 0)
	return sec
}

// failedPod picks the newest pod that failed (pods are sorted newest
// first) and its first failed container that has run; init containers run
// first. A container still waiting to start (ImagePullBackOff) has no log:
// the kubelet refuses it, so an older pod that did run is read instead.
func failedPod(pods []report.Pod) (pod, container string) {
	for _, p := range pods {
		for _, c := range p.Containers {
			if c.Failed() && (c.State == "terminated" || c.ExitCode != nil) {
				return p.Name, c.Name
			}
		}
		if p.Phase == "Failed" {
			return p.Name, BackupContainer
		}
	}
	return "", ""
}
