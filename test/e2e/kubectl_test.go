package e2e

import (
	"testing"
)

// The plugin as users run it: `kubectl logbackup`, found on PATH, with the
// namespace from the kubeconfig context and from -n.
func TestThroughKubectl(t *testing.T) {
	kc := kubeconfigFor(t, "admin", "tidb")
	r := kubectl(t, []string{"KUBECONFIG=" + kc}, "logbackup", "investigate", "nightly")
	if r.code != 0 {
		t.Fatalf("kubectl logbackup: exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "Backup tidb/nightly (pingcap.com/v1alpha1")

	r = kubectl(t, []string{"KUBECONFIG=" + kc}, "logbackup", "investigate", "daily", "-n", "tidb-v2", "--request-timeout", "20s")
	if r.code != 0 {
		t.Fatalf("kubectl logbackup -n: exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "Backup tidb-v2/daily (br.pingcap.com/v1alpha1, status subresource)")

	r = kubectl(t, []string{"KUBECONFIG=" + kc}, "logbackup", "--help")
	mustContain(t, r.stdout, "kubectl logbackup [command]", "investigate")
	mustNotContain(t, r.stdout, "kubectl-logbackup [command]")
}

// --as impersonates through ConfigFlags like every kubectl command.
func TestImpersonation(t *testing.T) {
	r := plugin(t, "investigate", "tidb/nightly", "--as", "restricted")
	if r.code == 0 {
		t.Fatal("--as restricted could read the backup: impersonation ignored")
	}
	assertOneLineError(t, r.stderr, "missing permission to get backups")
}
