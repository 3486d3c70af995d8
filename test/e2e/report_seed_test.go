package e2e

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// The report tests' own namespace, names and planted secrets. Every
// planted value holds "PLANTED", which no other text of the bundle
// holds, so one byte search over the bundle finds any that leaked.
const (
	rptNS      = "rpt-acme-ns"
	rptCtlNS   = "rpt-acme-ctl"
	rptBackup  = "rpt-acme-nightly"
	rptOther   = "rpt-acme-weekly"
	rptBucket  = "rpt-acme-bucket"
	rptPrefix  = "rpt-acme-prefix"
	rptSecret  = "rpt-acme-s3"
	rptPod     = "backup-rpt-acme-nightly-abcde"
	rptNoLog   = "backup-rpt-acme-nightly-nolog"
	rptJob     = "backup-rpt-acme-nightly"
	planted    = "PLANTED"
	plantedKey = "AKIAPLANTEDLOGKEY123" // an AWS access key id, as a log prints it
)

// seedReport writes a v1 snapshot backup whose spec, pod, Secret, events
// and logs carry planted credentials in every form the bundle must take
// out; a second backup in the namespace; a pod whose log the kubelet does
// not have; and a controller of its own (in its own namespace, so the
// other tests' controller searches do not see it... they search every
// namespace, so it is removed after the test).
func seedReport(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	env := s.env
	now := time.Now().Truncate(time.Second)
	failed := now.Add(-20 * time.Minute)
	b := fixtures.Backup{Group: backup.GroupV1, Namespace: rptNS, Name: rptBackup, Mode: "snapshot", Phase: "Failed",
		Policy:  map[string]any{"maxRetryTimes": int64(1)},
		Records: []backup.RetryRecord{{RetryNum: 1, DetectFailedAt: &failed, RetryReason: "Job backup-" + rptBackup + " has failed", OriginalReason: "BackoffLimitExceeded"}},
		Storage: &backup.Storage{Provider: backup.StorageS3, SecretName: rptSecret}}
	u, _, err := fixtures.Object(b)
	if err != nil {
		t.Fatal(err)
	}
	spec := u.Object["spec"].(map[string]any)
	s3 := spec["s3"].(map[string]any)
	s3["bucket"], s3["prefix"] = rptBucket, rptPrefix
	s3["accessKey"] = planted + "-spec-access-key"
	s3["secretAccessKey"] = planted + "-spec-secret-key"
	s3["endpoint"] = "https://minio:" + planted + "-url-pass@minio.example:9000"
	spec["env"] = []any{
		map[string]any{"name": "PASSWORD", "value": planted + "-spec-env"},
		map[string]any{"name": "AWS_REGION", "value": "us-east-1"},
	}
	spec["br"] = map[string]any{"cluster": "basic", "options": []any{"--secret-access-key", planted + "-spec-option", "--check-requirements=false"}}
	u.SetAnnotations(map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"spec":{"s3":{"secretAccessKey":"` + planted + `-last-applied"}}}`})
	if err := env.EnsureNamespace(ctx, rptNS); err != nil {
		t.Fatal(err)
	}
	created, err := env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(rptNS).Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The API server keeps unknown spec fields: the planted values are
	// really in the object the plugin reads.
	if v, _, _ := unstructured.NestedString(created.Object, "spec", "s3", "secretAccessKey"); v != planted+"-spec-secret-key" {
		t.Fatalf("the planted spec field was not stored: %q", v)
	}
	other, _, err := fixtures.Object(fixtures.Backup{Group: backup.GroupV1, Namespace: rptNS, Name: rptOther, Mode: "snapshot", Phase: "Complete",
		Storage: &backup.Storage{Provider: backup.StorageS3, SecretName: rptSecret}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(rptNS).Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Kube.CoreV1().Secrets(rptNS).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: rptSecret},
		Data: map[string][]byte{"access_key": []byte(planted + "-secret-access"), "secret_key": []byte(planted + "-secret-value")}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The Job and a first pod as the operator makes them, then the pods
	// of this test: one whose env, args and log carry credentials, one
	// whose log the kubelet does not have.
	job, _, err := env.CreateWorkload(ctx, fixtures.Workload{Job: rptJob, Pod: rptPod + "-first", PodPhase: corev1.PodFailed, Backup: created,
		Main: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}, JobFailed: true, Created: now.Add(-30 * time.Minute),
		Log: []string{"[INFO] first run started"}})
	if err != nil {
		t.Fatal(err)
	}
	createReportPod(t, job, rptPod, []corev1.EnvVar{
		{Name: "TIDB_PASSWORD", Value: planted + "-pod-env"},
		{Name: "BR_EXTRA", Value: "--password=" + planted + "-pod-env-flag"},
		{Name: "AWS_ACCESS_KEY_ID", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: rptSecret}, Key: "access_key"}}},
	}, []string{"backup", "--secret-access-key", planted + "-pod-arg", "--token=" + planted + "-pod-token"})
	env.Kubelet.SetLog(rptNS, rptPod, "backup", []cluster.LogLine{
		{Time: now.Add(-10 * time.Minute), Text: `[INFO] [backup.go:1] ["start backup"] [storage=s3://` + rptBucket + "/" + rptPrefix + `?access-key=` + plantedKey + `&secret-access-key=` + planted + `-log-url]`},
		{Time: now.Add(-9 * time.Minute), Text: "[INFO] using access key " + plantedKey + " for bucket " + rptBucket},
		{Time: now.Add(-8 * time.Minute), Text: "[INFO] [client.go:2] [key=ordinary-br-key] [secret_access_key=" + planted + "-log-secret]"},
		{Time: now.Add(-7 * time.Minute), Text: "[ERROR] backup failed: AccessDenied"},
	})
	env.Kubelet.SetLog(rptNS, rptPod, "br", []cluster.LogLine{{Time: now.Add(-11 * time.Minute), Text: "copied br"}})
	createReportPod(t, job, rptNoLog, nil, []string{"backup"})

	if err := env.CreateEvent(ctx, fixtures.Event{Object: created, Kind: "Backup", APIVer: created.GetAPIVersion(), Type: "Warning",
		Reason: "BackupFailed", Message: "backup failed: password=" + planted + "-event", LastSeen: now.Add(-5 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	ctlLines := []cluster.LogLine{
		{Time: now.Add(-6 * time.Minute), Text: "I0101 00:00:00.000000     299 backup_status_updater.go:129] Backup: [" + rptNS + "/" + rptBackup + "] update failed: secret_key=" + planted + "-controller"},
		{Time: now.Add(-5 * time.Minute), Text: "I0101 00:00:01.000000     299 backup_status_updater.go:129] Backup: [" + rptNS + "/" + rptBackup + "] updated successfully"},
	}
	if err := env.CreateControllerPodIn(ctx, rptCtlNS, "rpt-controller", fixtures.ControllerImageV1, fixtures.ControllerLabelsV1(), ctlLines); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		zero := int64(0)
		_ = env.Kube.CoreV1().Pods(rptCtlNS).Delete(context.Background(), "rpt-controller", metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})
}

// createReportPod writes a backup pod owned by job, with its own env and
// args, that has run and failed.
func createReportPod(t *testing.T, job *batchv1.Job, name string, envVars []corev1.EnvVar, args []string) {
	t.Helper()
	ctx := context.Background()
	yes := true
	labels := map[string]string{"job-name": job.Name}
	for k, v := range job.Spec.Template.Labels {
		labels[k] = v
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: job.Namespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: job.Name, UID: job.UID, Controller: &yes}}},
		Spec: corev1.PodSpec{NodeName: s.env.Node, RestartPolicy: corev1.RestartPolicyNever,
			InitContainers: []corev1.Container{{Name: "br", Image: "pingcap/br:v8.5.0"}},
			Containers:     []corev1.Container{{Name: "backup", Image: fixtures.DefaultBackupImage, Args: args, Env: envVars}}},
	}
	pod, err := s.env.Kube.CoreV1().Pods(job.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	started := metav1.NewTime(time.Now().Add(-12 * time.Minute))
	pod.Status = corev1.PodStatus{Phase: corev1.PodFailed, StartTime: &started,
		InitContainerStatuses: []corev1.ContainerStatus{{Name: "br", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}}},
		ContainerStatuses:     []corev1.ContainerStatus{{Name: "backup", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}}}}
	if _, err := s.env.Kube.CoreV1().Pods(job.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
