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
// from the container that failed (the br init container or backup). For a
// timeline (errorLines) the lines are read with their times and the log is
// searched for its first and last error lines; otherwise it costs the one
// read it always did.
func gatherPodLog(ctx context.Context, kube kubernetes.Interface, ns string, pods []report.Pod, tail, limitBytes int64, errorLines bool) report.PodLogSection {
	sec := report.PodLogSection{Lines: []string{}}
	pod, container := failedPod(pods)
	if pod == "" {
		sec.Note = "no failed backup pod that ran: a retry deletes the failed Job and its Pod, so its log may be gone; a container that never started has none"
		return sec
	}
	sec.Pod, sec.Container = pod, container
	opts := &corev1.PodLogOptions{Container: container, TailLines: &tail, LimitBytes: &limitBytes, Timestamps: errorLines}
	scan, err := scanLog(ctx, kube, ns, pod, opts, int(tail), nil)
	if err != nil {
		sec.Error = sectionError(backupapi.Access(err, "get", "", "pods", "log", ns))
		return sec
	}
	sec.Lines = scan.texts()
	sec.Truncated = scan.truncated
	sec.LinesOverBudget = max(min(int(tail), scan.matched)-len(sec.Lines), 0)
	if errorLines {
		findErrorLines(ctx, kube, ns, pod, container, limitBytes, scan.lines, &sec)
	}
	return sec
}

// findErrorLines reads the log from its start, up to limitBytes, for its
// first error line, keeping only that and the last one seen; the last
// error is the tail's when the tail has one (the start's read may not
// reach it). Its own failure is a note: the lines are still shown.
func findErrorLines(ctx context.Context, kube kubernetes.Interface, ns, pod, container string, limitBytes int64, tail []logLine, sec *report.PodLogSection) {
	opts := &corev1.PodLogOptions{Container: container, LimitBytes: &limitBytes, Timestamps: true}
	head, err := scanLog(ctx, kube, ns, pod, opts, 1, IsErrorLine)
	if err != nil {
		sec.ErrorsNote = "error lines not searched: " + sectionError(backupapi.Access(err, "get", "", "pods", "log", ns))
		return
	}
	if head.first != nil {
		sec.FirstError = &report.LogLine{At: head.first.At, Text: head.first.Text}
	}
	if len(head.lines) > 0 {
		l := head.lines[len(head.lines)-1]
		sec.LastError = &report.LogLine{At: l.At, Text: l.Text}
	}
	var tailErrors []logLine
	for _, l := range tail {
		if IsErrorLine([]byte(l.Text)) {
			tailErrors = append(tailErrors, l)
		}
	}
	fromTail := false
	if n := len(tailErrors); n > 0 {
		sec.LastError = &report.LogLine{At: tailErrors[n-1].At, Text: tailErrors[n-1].Text}
		if sec.FirstError == nil {
			// The read from the start found none before the limit cut it.
			sec.FirstError, fromTail = &report.LogLine{At: tailErrors[0].At, Text: tailErrors[0].Text}, true
		}
	}
	switch {
	case sec.FirstError == nil && head.truncated:
		sec.ErrorsNote = "no error line in the first --limit-bytes of the log nor in its last lines"
	case sec.FirstError == nil:
		sec.ErrorsNote = "no error line in the log"
	case fromTail:
		sec.ErrorsNote = "no error line in the first --limit-bytes of the log: the first error line is the first of its last lines"
	case head.truncated:
		sec.ErrorsNote = "the log is longer than --limit-bytes: error lines between its first part and its last lines were not read"
	}
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
