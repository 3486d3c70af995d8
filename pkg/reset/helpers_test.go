package reset

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

var (
	v1API = backupapi.API{Group: backup.GroupV1, Version: backup.Version}
	v2API = backupapi.API{Group: backup.GroupV2, Version: backup.Version, StatusSubresource: true}
	now   = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
)

// record is one backoffRetryStatus element as the server sends it.
func record(n int, reason string) map[string]any {
	return map[string]any{
		"retryNum":        int64(n),
		"detectFailedAt":  now.Add(time.Duration(n-10) * time.Minute).Format(time.RFC3339),
		"expectedRetryAt": now.Add(time.Duration(n-5) * time.Minute).Format(time.RFC3339),
		"retryReason":     reason,
		"originalReason":  "OOMKilled",
	}
}

// backupObj is a Backup with n records (none: no backoffRetryStatus).
func backupObj(api backupapi.API, phase string, n int) *unstructured.Unstructured {
	status := map[string]any{"phase": phase}
	if n > 0 {
		recs := []any{}
		for i := 1; i <= n; i++ {
			recs = append(recs, record(i, "Job ns/backup-b failed"))
		}
		status["backoffRetryStatus"] = recs
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": api.Group + "/" + api.Version, "kind": "Backup",
		"metadata": map[string]any{"name": "b", "namespace": "ns", "uid": "uid-b", "resourceVersion": "7"},
		"spec":     map[string]any{"backupMode": "snapshot"},
		"status":   status,
	}}
}

func fakeDynamic(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	kinds := map[schema.GroupVersionResource]string{v1API.GVR(): "BackupList", v2API.GVR(): "BackupList"}
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), kinds, objs...)
}

// workload is a failed Job and Pod of backup b, and optionally a newer
// successful run.
func workload(t *testing.T, succeededSince bool) *fake.Clientset {
	t.Helper()
	yes := true
	labels := map[string]string{backupapi.BackupLabel: "b"}
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "backup-b", Namespace: "ns", UID: "job-1", Labels: labels,
		CreationTimestamp: metav1.NewTime(now.Add(-20 * time.Minute)),
		OwnerReferences:   []metav1.OwnerReference{{Kind: "Backup", Name: "b", UID: "uid-b", Controller: &yes}}},
		Status: batchv1.JobStatus{Failed: 1}}
	started := metav1.NewTime(now.Add(-20 * time.Minute))
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "backup-b-1", Namespace: "ns", Labels: labels,
		OwnerReferences: []metav1.OwnerReference{{Kind: "Job", Name: "backup-b", UID: "job-1", Controller: &yes}}},
		Status: corev1.PodStatus{Phase: corev1.PodFailed, StartTime: &started, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "backup", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}}}}}
	objs := []runtime.Object{job, pod}
	if succeededSince {
		later := metav1.NewTime(now.Add(-5 * time.Minute))
		objs = append(objs, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "backup-b-2", Namespace: "ns", Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{Kind: "Job", Name: "backup-b", UID: "job-1", Controller: &yes}}},
			Status: corev1.PodStatus{Phase: corev1.PodSucceeded, StartTime: &later, ContainerStatuses: []corev1.ContainerStatus{
				{Name: "backup", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}}}})
	}
	return fake.NewClientset(objs...)
}
