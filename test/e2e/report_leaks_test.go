package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// Credentials in the forms a hostile review found the bundle missing.
// Every planted value holds "RVWLEAK".
const (
	rvwNS     = "rvw-ns"
	rvwCtlNS  = "rvw-ctl"
	rvwBackup = "rvw-nightly"
	rvwPod    = "backup-rvw-nightly-abcde"
	rvwJob    = "backup-rvw-nightly"
	rvwLeak   = "RVWLEAK"
)

func seedReview(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	env := s.env
	now := time.Now().Truncate(time.Second)
	failed := now.Add(-20 * time.Minute)
	b := fixtures.Backup{Group: backup.GroupV1, Namespace: rvwNS, Name: rvwBackup, Mode: "snapshot", Phase: "Failed",
		Policy:  map[string]any{"maxRetryTimes": int64(1)},
		Records: []backup.RetryRecord{{RetryNum: 1, DetectFailedAt: &failed, RetryReason: "Job has failed", OriginalReason: "BackoffLimitExceeded"}},
		Storage: &backup.Storage{Provider: backup.StorageS3, SecretName: "rvw-s3"}}
	u, _, err := fixtures.Object(b)
	if err != nil {
		t.Fatal(err)
	}
	// A copy of the object as JSON in an annotation (kapp's
	// kapp.k14s.io/original does this; so do home-grown tools), and a
	// note in YAML: the object's own credentials, in another form.
	u.SetAnnotations(map[string]string{
		"kapp.k14s.io/original": `{"spec":{"azblob":{"sasToken":"` + rvwLeak + `-ann-json"}}}`,
		"example.com/note":      "s3:\n  secretAccessKey: " + rvwLeak + "-ann-yaml\n",
	})
	if err := env.EnsureNamespace(ctx, rvwNS); err != nil {
		t.Fatal(err)
	}
	created, err := env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(rvwNS).Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job, _, err := env.CreateWorkload(ctx, fixtures.Workload{Job: rvwJob, Pod: rvwPod + "-first", PodPhase: corev1.PodFailed, Backup: created,
		Main: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}, JobFailed: true, Created: now.Add(-30 * time.Minute),
		Log: []string{"[INFO] first run started"}})
	if err != nil {
		t.Fatal(err)
	}
	// BR's Azure flag, as the operator passes BR's options: one element.
	createReportPod(t, job, rvwPod, nil, []string{"backup", "--azblob.account-key=" + rvwLeak + "-pod-arg"})
	// The error line as br's wrapper logs the command it ran: a flag and
	// its value with a blank between them. logs/ redacts it (RedactText);
	// report.json, report.txt and timeline.txt must too.
	env.Kubelet.SetLog(rvwNS, rvwPod, "backup", []cluster.LogLine{
		{Time: now.Add(-9 * time.Minute), Text: "[INFO] starting"},
		{Time: now.Add(-8 * time.Minute), Text: "[ERROR] [backup.go:9] [\"run br failed\"] [cmd=\"br backup full --password " + rvwLeak + "-log-flag\"]"},
		{Time: now.Add(-7 * time.Minute), Text: "[ERROR] azure: DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=" + rvwLeak + "-connstr"},
	})
	env.Kubelet.SetLog(rvwNS, rvwPod, "br", []cluster.LogLine{{Time: now.Add(-11 * time.Minute), Text: "copied br"}})
	ctlLines := []cluster.LogLine{
		{Time: now.Add(-6 * time.Minute), Text: "E0101 00:00:00.000000     299 backup_manager.go:1] backup " + rvwNS + "/" + rvwBackup + " failed: exec br --s3.secret-access-key " + rvwLeak + "-controller"},
	}
	if err := env.CreateControllerPodIn(ctx, rvwCtlNS, "rvw-controller", fixtures.ControllerImageV1, fixtures.ControllerLabelsV1(), ctlLines); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		zero := int64(0)
		_ = env.Kube.CoreV1().Pods(rvwCtlNS).Delete(context.Background(), "rvw-controller", metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})
}

// TestReportHidesCredentialForms: no planted credential in any file of the bundle.
func TestReportHidesCredentialForms(t *testing.T) {
	seedReview(t)
	out := t.TempDir() + "/b.zip"
	r := plugin(t, "report", rvwNS+"/"+rvwBackup, "--controller-namespace", rvwCtlNS, "--output-file", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	files := bundleFiles(t, out)
	noneHolds(t, files, rvwLeak)
	// investigate --timeline prints the same lines on a terminal.
	r = plugin(t, "investigate", rvwNS+"/"+rvwBackup, "--timeline", "--controller-namespace", rvwCtlNS)
	if strings.Contains(r.stdout, rvwLeak) {
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.Contains(l, rvwLeak) {
				t.Errorf("investigate --timeline prints: %s", l)
			}
		}
	}
}

// A backup name of 55 characters: its Job is backup-NAME (62), and the
// Job controller cuts a pod's generateName (backup-NAME-) to 58
// characters before its 5 random ones, so the pod's name holds only the
// first 51 characters of the backup's name.
const (
	rvwLongNS     = "rvw-names-acme"
	rvwLongBackup = "acmecorp-payments-production-nightly-full-euwest1-daily"
	rvwPathBucket = "acmecorp-path-bucket"
	rvwPathPrefix = "acmecorp-path-prefix"
)

// TestReportRedactNamesHidesDerivedNames: with --redact-names, neither the truncated
// form of a long backup name (in its pod's name) nor a bucket named by
// spec.s3.path (the operator's "<bucket-name>/<path>" form) may survive.
func TestReportRedactNamesHidesDerivedNames(t *testing.T) {
	ctx := context.Background()
	env := s.env
	now := time.Now().Truncate(time.Second)
	if len(rvwLongBackup) != 55 {
		t.Fatalf("name of %d characters", len(rvwLongBackup))
	}
	b := fixtures.Backup{Group: backup.GroupV1, Namespace: rvwLongNS, Name: rvwLongBackup, Mode: "snapshot", Phase: "Failed"}
	u, _, err := fixtures.Object(b)
	if err != nil {
		t.Fatal(err)
	}
	spec := u.Object["spec"].(map[string]any)
	spec["s3"] = map[string]any{"provider": "aws", "path": rvwPathBucket + "/" + rvwPathPrefix, "secretName": "s3-secret"}
	if err := env.EnsureNamespace(ctx, rvwLongNS); err != nil {
		t.Fatal(err)
	}
	created, err := env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(rvwLongNS).Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod := ("backup-" + rvwLongBackup + "-")[:58] + "x7k2p"
	if _, _, err := env.CreateWorkload(ctx, fixtures.Workload{Job: "backup-" + rvwLongBackup, Pod: pod, PodPhase: corev1.PodFailed, Backup: created,
		Main: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}, JobFailed: true, Created: now.Add(-30 * time.Minute),
		Log: []string{"[ERROR] [backup.go:1] [\"backup failed\"] [storage=s3://" + rvwPathBucket + "/" + rvwPathPrefix + "]"}}); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir() + "/b.zip"
	r := plugin(t, "report", rvwLongNS+"/"+rvwLongBackup, "--redact-names", "--output-file", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	files := bundleFiles(t, out)
	noneHolds(t, files, rvwLongNS, rvwLongBackup[:40], rvwPathBucket, rvwPathPrefix)
}
