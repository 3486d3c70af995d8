package gather

import (
	"context"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

func owned(name string, uid, owner types.UID) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "tidb", UID: uid, Labels: map[string]string{backupapi.BackupLabel: "nightly"},
		OwnerReferences: []metav1.OwnerReference{{UID: owner, Name: "owner"}}}
}

// Only the Backup -> Job -> Pod chain counts; the label alone does not.
func TestWorkloadFollowsOwnerChain(t *testing.T) {
	oom := corev1.ContainerStatus{Name: "backup", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}}
	kube := fake.NewClientset(
		&batchv1.Job{ObjectMeta: owned("backup-nightly", "job-1", "bk-1")},
		&batchv1.Job{ObjectMeta: owned("backup-nightly-old", "job-0", "bk-0")},
		&corev1.Pod{ObjectMeta: owned("backup-nightly-a", "pod-1", "job-1"),
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "backup", Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{corev1.ResourceMemory: mustQuantity("512Mi")}}}}},
			Status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{oom}}},
		&corev1.Pod{ObjectMeta: owned("backup-nightly-old-b", "pod-0", "job-0")},
	)
	w := gatherWorkload(context.Background(), kube, &backup.Backup{Namespace: "tidb", Name: "nightly", UID: "bk-1"})
	if w.section.Error != "" {
		t.Fatal(w.section.Error)
	}
	if len(w.section.Jobs) != 1 || len(w.section.Pods) != 1 || w.section.Unowned != 2 {
		t.Fatalf("jobs %d pods %d unowned %d", len(w.section.Jobs), len(w.section.Pods), w.section.Unowned)
	}
	c := w.section.Pods[0].Containers[0]
	if c.Reason != "OOMKilled" || c.MemoryLimit != "512Mi" || c.ExitCode == nil || *c.ExitCode != 137 {
		t.Errorf("container: %+v", c)
	}
	if len(w.uids) != 2 {
		t.Errorf("uids for events: %v", w.uids)
	}
	pod, container := failedPod(w.section.Pods)
	if pod != "backup-nightly-a" || container != "backup" {
		t.Errorf("failed pod = %s/%s", pod, container)
	}
}

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

// A container still waiting to start has no log (the kubelet refuses to
// serve one), so the pod-log collector reads the newest one that ran.
func TestFailedPodSkipsContainersThatNeverRan(t *testing.T) {
	one := int32(1)
	pods := []report.Pod{
		{Name: "new", Phase: "Pending", Containers: []report.Container{
			{Name: "br", Init: true, State: "terminated", Reason: "Completed", ExitCode: new(int32)},
			{Name: "backup", State: "waiting", Reason: "ImagePullBackOff"}}},
		{Name: "old", Phase: "Failed", Containers: []report.Container{
			{Name: "backup", State: "terminated", Reason: "Error", ExitCode: &one}}},
	}
	if pod, c := failedPod(pods); pod != "old" || c != "backup" {
		t.Errorf("failedPod = %s/%s, want old/backup", pod, c)
	}
	// Crash-looping: waiting, but it ran and has a last exit code.
	pods[0].Containers[1] = report.Container{Name: "backup", State: "waiting", Reason: "CrashLoopBackOff", ExitCode: &one}
	if pod, _ := failedPod(pods); pod != "new" {
		t.Errorf("a crash-looping container has a log: got %s", pod)
	}
	if pod, _ := failedPod(pods[:0]); pod != "" {
		t.Error("no pods, yet a pod")
	}
}
