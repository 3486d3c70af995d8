package e2e

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/logbackup/kubectl-logbackup/test/cluster"
)

// `exporter manifests` against the real API server, with the Prometheus
// Operator's own CRDs (from its Go module, see `make tools`): every object
// passes a server-side dry run (schemas, validation, admission, Pod
// Security "restricted"), while broken ones do not; applied for real, the
// ServiceAccount may read backups and nothing else, and an exporter running
// as it becomes ready.
func TestExporterManifests(t *testing.T) {
	ctx := context.Background()
	paths, err := cluster.PrometheusOperatorCRDFiles("")
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if err := cluster.ApplyCRDFiles(ctx, s.cluster.Admin, paths...); err != nil {
		t.Fatal(err)
	}
	t.Logf("Prometheus Operator CRDs established and served in %s", time.Since(began).Round(time.Millisecond))

	ns := sanitize("mf-" + uniqueName(t))
	// Pod Security "restricted" warns about any pod template that breaks
	// it (enforcement applies to Pods, which no controller makes here).
	if _, err := s.env.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted",
		"pod-security.kubernetes.io/warn":    "restricted",
	}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := plugin(t, "exporter", "manifests", "-n", ns, "--label", "release=kube-prometheus-stack")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	stream := writeFile(t, "manifests.yaml", r.stdout)
	objs := decodeStream(t, r.stdout)
	if len(objs) != 7 {
		t.Fatalf("%d objects, want 7", len(objs))
	}

	t.Run("ServerDryRunAcceptsEveryObject", func(t *testing.T) {
		for _, format := range []string{"yaml", "json"} {
			file := stream
			if format == "json" {
				j := plugin(t, "exporter", "manifests", "-n", ns, "--label", "release=kube-prometheus-stack", "-o", "json")
				if j.code != 0 {
					t.Fatalf("-o json: exit %d: %s", j.code, j.stderr)
				}
				file = writeFile(t, "manifests.json", j.stdout)
			}
			k := kubectl(t, nil, "--kubeconfig", s.kubeconfig, "apply", "--dry-run=server", "-f", file)
			if k.code != 0 {
				t.Fatalf("%s: kubectl apply --dry-run=server: exit %d: %s", format, k.code, k.stderr)
			}
			for _, o := range objs {
				want := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(resourceName(o)+"/"+o.GetName()) + ` (created|configured|unchanged) \(server dry run\)$`)
				if !want.MatchString(k.stdout) {
					t.Errorf("%s: %s/%s not accepted:\n%s", format, o.GetKind(), o.GetName(), k.stdout)
				}
			}
			if strings.Contains(k.stderr, "Warning") {
				t.Errorf("%s: warnings (Pod Security?): %s", format, k.stderr)
			}
		}
	})

	// The dry run above proves something only if the server checks these
	// kinds: it must refuse what their schemas (and Pod Security) forbid.
	t.Run("BrokenObjectsAreRejected", func(t *testing.T) {
		broken := map[string]struct {
			kind   string
			break_ func(map[string]any)
			want   string
		}{
			"ServiceMonitor interval": {"ServiceMonitor", func(o map[string]any) {
				_ = unstructured.SetNestedSlice(o, []any{map[string]any{"port": "metrics", "interval": "every thirty seconds"}}, "spec", "endpoints")
			}, "spec.endpoints[0].interval"},
			"ServiceMonitor port type": {"ServiceMonitor", func(o map[string]any) {
				_ = unstructured.SetNestedSlice(o, []any{map[string]any{"port": int64(9469)}}, "spec", "endpoints")
			}, "spec.endpoints[0].port"},
			"PrometheusRule without expr": {"PrometheusRule", func(o map[string]any) {
				_ = unstructured.SetNestedSlice(o, []any{map[string]any{"name": "g", "rules": []any{map[string]any{"alert": "A"}}}}, "spec", "groups")
			}, "spec.groups[0].rules[0].expr"},
		}
		for name, b := range broken {
			var obj map[string]any
			for _, o := range objs {
				if o.GetKind() == b.kind {
					obj = o.DeepCopy().Object
				}
			}
			b.break_(obj)
			out, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			k := kubectl(t, nil, "--kubeconfig", s.kubeconfig, "apply", "--dry-run=server", "-f", writeFile(t, "broken.yaml", string(out)))
			if k.code == 0 || !strings.Contains(k.stderr, b.want) {
				t.Errorf("%s: accepted, or not for the broken field (exit %d): %s", name, k.code, k.stderr)
			}
		}

		// A pod template without the security context draws Pod
		// Security's warning, so its absence above means something.
		var dep map[string]any
		for _, o := range objs {
			if o.GetKind() == "Deployment" {
				dep = o.DeepCopy().Object
			}
		}
		unstructured.RemoveNestedField(dep, "spec", "template", "spec", "securityContext")
		containers, _, _ := unstructured.NestedSlice(dep, "spec", "template", "spec", "containers")
		delete(containers[0].(map[string]any), "securityContext")
		_ = unstructured.SetNestedSlice(dep, containers, "spec", "template", "spec", "containers")
		out, _ := yaml.Marshal(dep)
		k := kubectl(t, nil, "--kubeconfig", s.kubeconfig, "apply", "--dry-run=server", "-f", writeFile(t, "insecure.yaml", string(out)))
		if !strings.Contains(k.stderr, `would violate PodSecurity "restricted`) {
			t.Errorf("no Pod Security warning for a pod template without securityContext (exit %d): %s", k.code, k.stderr)
		}
	})

	t.Run("RBACIsExactlyEnough", func(t *testing.T) {
		k := kubectl(t, nil, "--kubeconfig", s.kubeconfig, "apply", "-f", stream)
		if k.code != 0 {
			t.Fatalf("kubectl apply: exit %d: %s", k.code, k.stderr)
		}
		t.Cleanup(func() {
			rbac := s.env.Kube.RbacV1()
			_ = rbac.ClusterRoleBindings().Delete(ctx, "logbackup-exporter", metav1.DeleteOptions{})
			_ = rbac.ClusterRoles().Delete(ctx, "logbackup-exporter", metav1.DeleteOptions{})
		})
		sa := "system:serviceaccount:" + ns + ":logbackup-exporter"
		groups := []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
		type check struct {
			verb, group, resource, subresource, namespace string
			allowed                                       bool
		}
		var checks []check
		for _, g := range []string{"pingcap.com", "br.pingcap.com"} {
			for _, v := range []string{"get", "list", "watch"} {
				checks = append(checks, check{v, g, "backups", "", "", true}, check{v, g, "backups", "", "tidb", true})
			}
			for _, v := range []string{"create", "update", "patch", "delete", "deletecollection"} {
				checks = append(checks, check{v, g, "backups", "", "tidb", false})
			}
			checks = append(checks, check{"patch", g, "backups", "status", "tidb", false}, check{"list", g, "restores", "", "", false})
		}
		checks = append(checks,
			check{"get", "", "secrets", "", ns, false},
			check{"list", "", "secrets", "", "", false},
			check{"list", "", "pods", "", "", false},
			check{"get", "", "pods", "log", "tidb", false},
			check{"list", "batch", "jobs", "", "", false},
			check{"list", "", "events", "", "", false},
			check{"create", "", "events", "", "tidb", false},
			check{"impersonate", "", "serviceaccounts", "", "", false},
		)
		sar := s.env.Kube.AuthorizationV1().SubjectAccessReviews()
		for _, c := range checks {
			res, err := sar.Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: sa, Groups: groups,
				ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: c.verb, Group: c.group, Resource: c.resource, Subresource: c.subresource, Namespace: c.namespace},
			}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status.Allowed != c.allowed {
				t.Errorf("%s %s.%s/%s in %q: allowed %v, want %v", c.verb, c.resource, c.group, c.subresource, c.namespace, res.Status.Allowed, c.allowed)
			}
		}
		// Discovery, which the exporter reads, needs no rule of ours.
		for _, path := range []string{"/apis", "/apis/pingcap.com/v1alpha1", "/apis/br.pingcap.com/v1alpha1"} {
			res, err := sar.Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: sa, Groups: groups, NonResourceAttributes: &authorizationv1.NonResourceAttributes{Verb: "get", Path: path},
			}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Status.Allowed {
				t.Errorf("get %s: not allowed (%s)", path, res.Status.Reason)
			}
		}

		// Everything the account may do in a namespace, as the API server
		// lists it, is what an account without the binding may do (every
		// authenticated user's defaults) plus reading backups.
		ruleSet := func(user string) map[string]bool {
			imp := rest.CopyConfig(s.cluster.Admin)
			imp.Impersonate = rest.ImpersonationConfig{UserName: user}
			kube, err := kubernetes.NewForConfig(imp)
			if err != nil {
				t.Fatal(err)
			}
			rules, err := kube.AuthorizationV1().SelfSubjectRulesReviews().Create(ctx, &authorizationv1.SelfSubjectRulesReview{Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: "tidb"}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			set := map[string]bool{}
			for _, r := range rules.Status.ResourceRules {
				for _, g := range r.APIGroups {
					for _, res := range r.Resources {
						for _, v := range r.Verbs {
							set[v+" "+res+"."+g+" "+strings.Join(r.ResourceNames, ",")] = true
						}
					}
				}
			}
			return set
		}
		baseline := ruleSet("system:serviceaccount:" + ns + ":default")
		var extra []string
		for r := range ruleSet(sa) {
			if !baseline[r] {
				extra = append(extra, strings.TrimSpace(r))
			}
		}
		slices.Sort(extra)
		want := []string{"get backups.br.pingcap.com", "get backups.pingcap.com", "list backups.br.pingcap.com", "list backups.pingcap.com", "watch backups.br.pingcap.com", "watch backups.pingcap.com"}
		if !slices.Equal(extra, want) {
			t.Errorf("the binding grants %q, want %q", extra, want)
		}

		// The real exporter, as that account, reads both groups.
		x := launchExporter(t, []string{"--kubeconfig", s.kubeconfig, "--as", sa})
		t.Cleanup(func() { x.stop(t) })
		base := x.base
		waitFor(t, "the exporter running as the ServiceAccount to be ready", func() bool { code, _ := get(base + "/readyz"); return code == 200 })
		_, metrics := get(base + "/metrics")
		mustContain(t, metrics, `logbackup_exporter_watch_up{group="pingcap.com"} 1`, `logbackup_exporter_watch_up{group="br.pingcap.com"} 1`, "tidb_operator_log_backup_retry_current{")
		mustContain(t, metrics, `logbackup_exporter_watch_errors_total{group="pingcap.com"} 0`, `logbackup_exporter_watch_errors_total{group="br.pingcap.com"} 0`)

		// And an account without the binding does not become ready: the
		// readiness above is the binding's doing.
		unbound := launchExporter(t, []string{"--kubeconfig", s.kubeconfig, "--as", "system:serviceaccount:" + ns + ":default"})
		t.Cleanup(func() { unbound.stop(t) })
		other := unbound.base
		waitFor(t, "a watch error of the unbound account", func() bool {
			_, m := get(other + "/metrics")
			return strings.Contains(m, `logbackup_exporter_watch_up{group="pingcap.com"} 0`)
		})
		if code, _ := get(other + "/readyz"); code == 200 {
			t.Error("an exporter without permission is ready")
		}
	})
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// decodeStream reads a multi-document YAML stream, as kubectl splits it.
func decodeStream(t *testing.T, stream string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, doc := range regexp.MustCompile(`(?m)^---$`).Split(stream, -1) {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		if len(m) > 0 {
			out = append(out, &unstructured.Unstructured{Object: m})
		}
	}
	return out
}

// resourceName is how kubectl names an object's kind in its output:
// lower-case, plural-less, with the group when not core.
func resourceName(o *unstructured.Unstructured) string {
	gv := o.GroupVersionKind()
	if gv.Group == "" {
		return strings.ToLower(gv.Kind)
	}
	return strings.ToLower(gv.Kind) + "." + gv.Group
}
