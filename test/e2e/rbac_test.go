package e2e

import (
	"context"
	"path/filepath"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/test/cluster"
)

// grant gives a test user a Role in one namespace, removed after the test.
func grant(t *testing.T, user, ns string, rules ...rbacv1.PolicyRule) {
	t.Helper()
	ctx := context.Background()
	name := "e2e-" + t.Name()
	if len(name) > 60 {
		name = name[:60]
	}
	rbac := s.env.Kube.RbacV1()
	name = sanitize(name)
	if _, err := rbac.Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = rbac.RoleBindings(ns).Delete(ctx, name, metav1.DeleteOptions{})
		_ = rbac.Roles(ns).Delete(ctx, name, metav1.DeleteOptions{})
	})
}

func sanitize(s string) string {
	out := []byte(s)
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			out[i] = '-'
			if c >= 'A' && c <= 'Z' {
				out[i] = c + 'a' - 'A'
			}
		}
	}
	return string(out)
}

func kubeconfigFor(t *testing.T, user, ns string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), user+".kubeconfig")
	if err := s.cluster.WriteKubeconfig(path, user, ns); err != nil {
		t.Fatal(err)
	}
	return path
}

// A user who may read backups and nothing else still gets every section,
// and each unreadable one names the missing permission.
func TestRestrictedUserGetsEverySection(t *testing.T) {
	grant(t, cluster.UserRestricted, "tidb", rbacv1.PolicyRule{APIGroups: []string{"pingcap.com", "br.pingcap.com"}, Resources: []string{"backups"}, Verbs: []string{"get"}})
	kc := kubeconfigFor(t, cluster.UserRestricted, "")
	r := plugin(t, "--kubeconfig", kc, "investigate", "tidb/nightly")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout,
		"3 of 2 allowed, exhausted by count", // the backup section is whole
		"missing permission to list events (API group \"\" (core)) in namespace tidb",
		"missing permission to list jobs (API group batch) in namespace tidb",
		"missing permission to list pods (API group \"\" (core)) in all namespaces",
		"not read: the backup's pods could not be listed",
	)
}

// May list pods and jobs but not read logs: the log sections say so.
func TestRestrictedUserWithoutLogs(t *testing.T) {
	read := []string{"get", "list"}
	grant(t, cluster.UserRestricted, "tidb",
		rbacv1.PolicyRule{APIGroups: []string{"pingcap.com", "br.pingcap.com"}, Resources: []string{"backups"}, Verbs: read},
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods", "events"}, Verbs: read},
		rbacv1.PolicyRule{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: read})
	grant(t, cluster.UserRestricted, "tidb-admin", rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: read})
	kc := kubeconfigFor(t, cluster.UserRestricted, "tidb")
	r := plugin(t, "--kubeconfig", kc, "investigate", "nightly", "--controller-namespace", "tidb-admin")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout,
		"OOMKilled (memory limit 512Mi)", // jobs and pods were read
		"missing permission to get pods/log (API group \"\" (core)) in namespace tidb",
		"missing permission to get pods/log (API group \"\" (core)) in namespace tidb-admin",
	)
}

// A user who may not even read the backup gets a one-line error.
func TestForbiddenBackupIsOneLine(t *testing.T) {
	kc := kubeconfigFor(t, cluster.UserRestricted, "")
	r := plugin(t, "--kubeconfig", kc, "investigate", "tidb/nightly")
	if r.code == 0 {
		t.Fatal("exit 0 for a user who may not read backups")
	}
	assertOneLineError(t, r.stderr, "missing permission to get backups")
}
