package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// Credential forms a second hostile review found the reworked redaction
// missing. Each planted value is distinct, so a failure names its form.
const (
	rv2NS     = "rv2-ns"
	rv2CtlNS  = "rv2-ctl"
	rv2Backup = "rv2-nightly"
	rv2Pod    = "backup-rv2-nightly-abcde"
	rv2Job    = "backup-rv2-nightly"
)

// rv2Leaks: form -> planted value.
var rv2Leaks = []string{
	"RV2LEAK-crypter-opt", // spec.br.options "--crypter.key=..." (BR's backup encryption key)
	"RV2LEAK-crypter-arg", // pod args "--crypter.key", "..."
	"RV2LEAK-crypter-log", // log: br backup --crypter.key ...
	"RV2LEAK-toml",        // log: password = "..." (TOML/ini)
	"RV2LEAK-pem",         // log: body line of a PEM private key
	"RV2LEAK-mysqlq",      // log: mysql -p'...'
	"RV2LEAK-urlenc",      // log: password%3D... (a form body)
	"RV2LEAK-envjson",     // log: {"name":"AWS_SECRET_ACCESS_KEY","value":"..."}
	"RV2LEAK-block",       // log: password: |  then the value on the next line
	"RV2LEAK-yamlargs",    // log: - --password / - ... (a YAML args list)
}

func seedReview2(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	env := s.env
	now := time.Now().Truncate(time.Second)
	b := fixtures.Backup{Group: backup.GroupV1, Namespace: rv2NS, Name: rv2Backup, Mode: "snapshot", Phase: "Failed",
		Storage: &backup.Storage{Provider: backup.StorageS3, SecretName: "rv2-s3"}}
	u, _, err := fixtures.Object(b)
	if err != nil {
		t.Fatal(err)
	}
	spec := u.Object["spec"].(map[string]any)
	br, _ := spec["br"].(map[string]any)
	if br == nil {
		br = map[string]any{"cluster": "basic"}
		spec["br"] = br
	}
	br["options"] = []any{"--crypter.method=aes128-ctr", "--crypter.key=" + rv2Leaks[0]}
	if err := env.EnsureNamespace(ctx, rv2NS); err != nil {
		t.Fatal(err)
	}
	created, err := env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(rv2NS).Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job, _, err := env.CreateWorkload(ctx, fixtures.Workload{Job: rv2Job, Pod: rv2Pod + "-first", PodPhase: corev1.PodFailed, Backup: created,
		Main: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}, JobFailed: true, Created: now.Add(-30 * time.Minute),
		Log: []string{"[INFO] first run started"}})
	if err != nil {
		t.Fatal(err)
	}
	createReportPod(t, job, rv2Pod, nil, []string{"backup", "--crypter.key", rv2Leaks[1]})
	at := func(m int) time.Time { return now.Add(-time.Duration(m) * time.Minute) }
	env.Kubelet.SetLog(rv2NS, rv2Pod, "backup", []cluster.LogLine{
		{Time: at(15), Text: "[INFO] exec br backup full --pd pd:2379 --crypter.method aes128-ctr --crypter.key " + rv2Leaks[2]},
		{Time: at(14), Text: `[INFO] loaded config: password = "` + rv2Leaks[3] + `"`},
		{Time: at(13), Text: "-----BEGIN RSA PRIVATE KEY-----"},
		{Time: at(13), Text: "MIIEowIBAAKCAQEA" + rv2Leaks[4]},
		{Time: at(13), Text: "-----END RSA PRIVATE KEY-----"},
		{Time: at(12), Text: "[ERROR] mysql -h tidb -P 4000 -u root -p'" + rv2Leaks[5] + "' -e 'select 1'"},
		{Time: at(11), Text: "[WARN] POST /login body=user%3Droot%26password%3D" + rv2Leaks[6]},
		{Time: at(10), Text: `[ERROR] env: {"name":"AWS_SECRET_ACCESS_KEY","value":"` + rv2Leaks[7] + `"}`},
		{Time: at(9), Text: "password: |"},
		{Time: at(9), Text: "  " + rv2Leaks[8]},
		{Time: at(8), Text: "args:"},
		{Time: at(8), Text: "- --password"},
		{Time: at(8), Text: "- " + rv2Leaks[9]},
	})
	env.Kubelet.SetLog(rv2NS, rv2Pod, "br", []cluster.LogLine{{Time: at(16), Text: "copied br"}})
	ctlLines := []cluster.LogLine{
		{Time: at(6), Text: "E0101 00:00:00.000000     299 backup_manager.go:1] backup " + rv2NS + "/" + rv2Backup + " failed"},
	}
	if err := env.CreateControllerPodIn(ctx, rv2CtlNS, "rv2-controller", fixtures.ControllerImageV1, fixtures.ControllerLabelsV1(), ctlLines); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		zero := int64(0)
		_ = env.Kube.CoreV1().Pods(rv2CtlNS).Delete(context.Background(), "rv2-controller", metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})
}

// TestReportHidesMoreCredentialForms: none of rv2Leaks in any file of the bundle.
func TestReportHidesMoreCredentialForms(t *testing.T) {
	seedReview2(t)
	out := t.TempDir() + "/b.zip"
	r := plugin(t, "report", rv2NS+"/"+rv2Backup, "--controller-namespace", rv2CtlNS, "--output-file", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	files := bundleFiles(t, out)
	for _, leak := range rv2Leaks {
		noneHolds(t, files, leak)
	}
}
