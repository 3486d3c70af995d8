package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// The field diagnoses (docs/diagnoses.md) through the built plugin and a
// real API server: the cases stored as the operators write them, then
// investigate and status each give the finding with its evidence.

var fieldSeed struct {
	once sync.Once
	err  error
}

// seedField writes the field cases into their namespace once for the
// tests of this file.
func seedField(t *testing.T) {
	t.Helper()
	fieldSeed.once.Do(func() { fieldSeed.err = writeField(context.Background()) })
	if fieldSeed.err != nil {
		t.Fatalf("seeding the field cases: %v", fieldSeed.err)
	}
}

func writeField(ctx context.Context) error {
	e := s.env
	cases := fixtures.FieldCases(fixtures.NSField, e.Now)
	for _, name := range []string{fixtures.TrackingLost, fixtures.ErrorPaused, fixtures.KernelSync, fixtures.TaskNotFound, fixtures.QueryFailed,
		fixtures.Evicted, fixtures.Stalled, fixtures.NoStatus, fixtures.NoJob, fixtures.CredsMissing, fixtures.TaskA, fixtures.TaskB} {
		if _, err := e.CreateBackup(ctx, cases[name]); err != nil {
			return err
		}
	}
	if _, err := e.Kube.CoreV1().Secrets(fixtures.NSField).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: fixtures.CredsSecret, Namespace: fixtures.NSField}, Data: fixtures.CredsSecretData()}, metav1.CreateOptions{}); err != nil {
		return err
	}
	// The v1 controller could not create no-job's Job.
	noJob, err := e.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(fixtures.NSField).Get(ctx, fixtures.NoJob, metav1.GetOptions{})
	if err != nil {
		return err
	}
	return e.CreateEvent(ctx, fixtures.Event{Object: noJob, Kind: "Backup", APIVer: noJob.GetAPIVersion(), Type: "Warning", Reason: "FailedCreate",
		Message: fixtures.FailedCreateMessage, LastSeen: e.Now.Add(-2 * time.Minute)})
}

// status shows the backup-alone field findings as each row's verdict.
func TestFieldDiagnosesInStatus(t *testing.T) {
	seedField(t)
	res := plugin(t, "status", "-n", fixtures.NSField, "-o", "json")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	verdicts := map[string]string{}
	states := map[string]string{}
	for _, it := range decodeStatus(t, res.stdout).Items {
		verdicts[it.Name], states[it.Name] = it.Verdict.Summary, it.State
	}
	for name, want := range map[string]string{
		fixtures.TrackingLost: "stopped tracking this log backup",
		fixtures.ErrorPaused:  "BR paused the log backup task on an error",
		fixtures.KernelSync:   "corrected the Backup's status to the task's real state",
		fixtures.TaskNotFound: "found no log backup task named task-not-found",
		fixtures.QueryFailed:  "could not read the log backup task's state from PD's etcd",
		fixtures.Stalled:      "no progress for",
	} {
		if !strings.Contains(verdicts[name], want) || !strings.Contains(verdicts[name], "[evidence: ") {
			t.Errorf("%s: verdict %q, want %q with its evidence", name, verdicts[name], want)
		}
		if states[name] == "Healthy" {
			t.Errorf("%s is called Healthy", name)
		}
	}
	// The evicted backup is in its retry (Retrying); its verdict is the
	// retry's, the eviction is one of its findings in investigate.
	if states[fixtures.Evicted] != "Retrying" {
		t.Errorf("evicted: state %s", states[fixtures.Evicted])
	}
	// Look-alikes among them stay healthy: two running log backups that
	// status cannot link (investigate does), synced 30 s ago.
	if states[fixtures.TaskA] != "Healthy" {
		t.Errorf("pitr-a: %s %q", states[fixtures.TaskA], verdicts[fixtures.TaskA])
	}
	// The table lists them among those needing attention.
	text := plugin(t, "status", "-n", fixtures.NSField, "--failing")
	for _, name := range []string{fixtures.TrackingLost, fixtures.ErrorPaused, fixtures.KernelSync, fixtures.Stalled, fixtures.TaskNotFound, fixtures.QueryFailed} {
		mustContain(t, text.stdout, "\n"+name+" ")
	}
}

// investigate gives the same findings, and those that need other sections.
func TestFieldDiagnosesInInvestigate(t *testing.T) {
	seedField(t)
	for name, wants := range map[string][]string{
		fixtures.TrackingLost: {"stopped tracking this log backup", "status.timeSynced", "Synced:        "},
		fixtures.ErrorPaused:  {"CRITICAL BR paused the log backup task on an error", "LogBackupErrorPaused", "AccessDenied", "br log resume --task-name=error-paused"},
		fixtures.KernelSync:   {"WARNING  The operator corrected", "condition command log-pause vs spec.logSubcommand log-start"},
		fixtures.TaskNotFound: {"found no log backup task named task-not-found", "log backup key not found"},
		fixtures.QueryFailed:  {"PD's etcd", "LogBackupStateQueryFailed"},
		fixtures.Evicted:      {"Retry 1 was caused by Evicted: the node or the scheduler ended the backup pod, not BR", "originalReason Evicted"},
		fixtures.Stalled:      {"no progress for", "\"Full Backup\" stays at 37.5%", "Progress:      Full Backup 37.5%"},
		fixtures.NoJob:        {"stuck before its Job exists", "event FailedCreate", "exceeded quota", "no Job owned by the backup"},
		fixtures.TaskB:        {"WARNING  Another log backup task already runs on TiDB cluster tidb-cluster/basic", "field/pitr-a (Running, log-start)", "Other log backups of TiDB cluster tidb-cluster/basic"},
	} {
		r := plugin(t, "investigate", fixtures.NSField+"/"+name)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", name, r.code, r.stderr)
		}
		mustContain(t, r.stdout, wants...)
	}
	// pitr-a sees pitr-b the same way; tracking-lost, on another cluster, sees neither.
	mustContain(t, plugin(t, "investigate", fixtures.NSField+"/"+fixtures.TaskA).stdout, "field/pitr-b (Running, log-start)")
	mustNotContain(t, plugin(t, "investigate", fixtures.NSField+"/"+fixtures.TrackingLost).stdout, "already runs", "pitr-a")
}

// Operator v2 with a Cluster without a PD group: no status, and the
// controller's line says why.
func TestFieldNoStatusV2(t *testing.T) {
	seedField(t)
	ctx := context.Background()
	e := s.env
	const ns, pod = "tidb-admin-nostatus", "tidb-operator-nostatus-7c9d"
	// The line is dated now, not at the suite's start (e.Now): investigate
	// reads the controller from 5 minutes before the backup's creation,
	// and on a slow machine the suite may have started longer ago.
	now := time.Now()
	mentions := []fixtures.Mention{{At: now.Add(-time.Second), Namespace: fixtures.NSField, Name: fixtures.NoStatus, Text: fixtures.RejectedStatusLine}}
	if err := e.CreateControllerPodIn(ctx, ns, pod, fixtures.ControllerImageV2, fixtures.ControllerLabelsV2(), fixtures.ZapLog(now.Add(-time.Hour), now, 50, mentions)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		zero := int64(0)
		_ = e.Kube.CoreV1().Pods(ns).Delete(ctx, pod, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})
	r := plugin(t, "investigate", fixtures.NSField+"/"+fixtures.NoStatus, "--controller-namespace", ns)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "Status:        none recorded", "CRITICAL The backup has no status", "controller log line", "should match", "no PD group")
}

// The storage Secret: key names shown, its planted value nowhere, in any
// output; a user who may not get secrets is told, and the rest is read.
func TestFieldStorageSecretKeysOnly(t *testing.T) {
	seedField(t)
	ref := fixtures.NSField + "/" + fixtures.CredsMissing
	text := plugin(t, "investigate", ref)
	if text.code != 0 {
		t.Fatalf("exit %d: %s", text.code, text.stderr)
	}
	mustContain(t, text.stdout, "CRITICAL The storage Secret s3-creds lacks the keys the operator reads for s3: secret_key",
		"Secret:          s3-creds, keys: Secret_Key, access_key", "Service account: default")
	for _, format := range []string{"json", "yaml"} {
		r := plugin(t, "investigate", ref, "-o", format)
		if r.code != 0 {
			t.Fatalf("-o %s: exit %d: %s", format, r.code, r.stderr)
		}
		mustContain(t, r.stdout, "Secret_Key")
		mustNotContain(t, r.stdout+r.stderr, fixtures.PlantedSecretValue)
	}
	rep := investigateJSON(t, ref)
	if rep.Storage.SecretFound == nil || !*rep.Storage.SecretFound || strings.Join(rep.Storage.Missing, ",") != "secret_key" {
		t.Errorf("storage section: %+v", rep.Storage)
	}
	mustNotContain(t, text.stdout+text.stderr, fixtures.PlantedSecretValue)

	read := []string{"get", "list"}
	grant(t, cluster.UserRestricted, fixtures.NSField,
		rbacv1.PolicyRule{APIGroups: []string{"pingcap.com", "br.pingcap.com"}, Resources: []string{"backups"}, Verbs: read},
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods", "events", "serviceaccounts"}, Verbs: read},
		rbacv1.PolicyRule{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: read})
	kc := kubeconfigFor(t, cluster.UserRestricted, fixtures.NSField)
	r := plugin(t, "--kubeconfig", kc, "investigate", fixtures.CredsMissing)
	if r.code != 0 {
		t.Fatalf("without get secrets: exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "The storage Secret s3-creds was not checked: forbidden: missing permission to get secrets", "Service account: default")
	mustNotContain(t, r.stdout, "lacks the keys", fixtures.PlantedSecretValue)
}

// CompactBackup is out of scope, and the error for a name that is not a
// Backup says so (docs/diagnoses.md).
func TestFieldCompactBackupOutOfScope(t *testing.T) {
	r := plugin(t, "investigate", fixtures.NSField+"/compact-nightly")
	if r.code == 0 {
		t.Fatalf("a name that is no Backup was investigated: %s", r.stdout)
	}
	mustContain(t, r.stderr, "not found", "a CompactBackup is out of scope: kubectl get compactbackup compact-nightly -n field -o yaml")
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("not one line: %q", r.stderr)
	}
}
