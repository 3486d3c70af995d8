package manifests

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/logbackup/kubectl-logbackup/monitoring"
)

func options() Options {
	return Options{
		Namespace:          "observability",
		Image:              "registry.example.com/kubectl-logbackup:v1.2.3",
		Profile:            "prod",
		PrometheusOperator: true,
		Labels:             map[string]string{"release": "kube-prometheus-stack", "team.example.com/owner": "dba"},
	}
}

func build(t *testing.T, o Options) []Object {
	t.Helper()
	objs, err := Objects(o)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// decode reads one object into a typed value through its JSON form, as the
// API server would.
func decode[T any](t *testing.T, o Object) *T {
	t.Helper()
	b, err := json.Marshal(o.Object)
	if err != nil {
		t.Fatal(err)
	}
	v := new(T)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt field would be dropped by the API server
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", o.Kind(), err)
	}
	return v
}

func find(t *testing.T, objs []Object, kind string) Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind() == kind {
			return o
		}
	}
	t.Fatalf("no %s", kind)
	return Object{}
}

func TestKindsNamesNamespaces(t *testing.T) {
	objs := build(t, options())
	var got []string
	for _, o := range objs {
		u := unstructured.Unstructured{Object: o.Object}
		got = append(got, u.GetKind()+"/"+u.GetName())
		switch u.GetKind() {
		case "ClusterRole", "ClusterRoleBinding":
			if u.GetNamespace() != "" {
				t.Errorf("%s is cluster-scoped but has namespace %q", u.GetKind(), u.GetNamespace())
			}
		default:
			if u.GetNamespace() != "observability" {
				t.Errorf("%s: namespace %q, want the -n namespace", u.GetKind(), u.GetNamespace())
			}
		}
		if _, ok := o.Object["status"]; ok {
			t.Errorf("%s has a status", u.GetKind())
		}
		for k, v := range Selector() {
			if u.GetLabels()[k] != v && u.GetKind() != "PrometheusRule" {
				t.Errorf("%s: label %s=%q, want %q", u.GetKind(), k, u.GetLabels()[k], v)
			}
		}
	}
	want := []string{"ServiceAccount/logbackup-exporter", "ClusterRole/logbackup-exporter", "ClusterRoleBinding/logbackup-exporter",
		"Deployment/logbackup-exporter", "Service/logbackup-exporter", "ServiceMonitor/logbackup-exporter", "PrometheusRule/" + monitoring.PrometheusRuleName}
	if !slices.Equal(got, want) {
		t.Errorf("objects %v, want %v", got, want)
	}

	objs = build(t, Options{Namespace: "default", Image: "x", Profile: "default"})
	if len(objs) != 5 || find(t, objs, "Service").Kind() != "Service" {
		t.Errorf("without the Prometheus Operator: %d objects", len(objs))
	}
}

// The role reads backups of both groups, and nothing else.
func TestClusterRoleIsReadOnly(t *testing.T) {
	role := decode[rbacv1.ClusterRole](t, find(t, build(t, options()), "ClusterRole"))
	want := []rbacv1.PolicyRule{{
		APIGroups: []string{"pingcap.com", "br.pingcap.com"},
		Resources: []string{"backups"},
		Verbs:     []string{"get", "list", "watch"},
	}}
	if !reflect.DeepEqual(role.Rules, want) {
		t.Errorf("rules %+v, want %+v", role.Rules, want)
	}
	if role.AggregationRule != nil {
		t.Error("an aggregation rule would let other roles add permissions")
	}
}

func TestClusterRoleBindingSubject(t *testing.T) {
	b := decode[rbacv1.ClusterRoleBinding](t, find(t, build(t, options()), "ClusterRoleBinding"))
	wantRef := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: Name}
	wantSubjects := []rbacv1.Subject{{Kind: "ServiceAccount", Name: Name, Namespace: "observability"}}
	if b.RoleRef != wantRef || !reflect.DeepEqual(b.Subjects, wantSubjects) {
		t.Errorf("roleRef %+v subjects %+v", b.RoleRef, b.Subjects)
	}
}

func TestDeployment(t *testing.T) {
	d := decode[appsv1.Deployment](t, find(t, build(t, options()), "Deployment"))
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("replicas %v, want 1", d.Spec.Replicas)
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType || d.Spec.Strategy.RollingUpdate != nil {
		t.Errorf("strategy %+v, want Recreate", d.Spec.Strategy)
	}
	if !reflect.DeepEqual(d.Spec.Selector.MatchLabels, Selector()) || !reflect.DeepEqual(d.Spec.Template.Labels, Selector()) {
		t.Errorf("selector %v, pod labels %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	}
	pod := d.Spec.Template.Spec
	if pod.ServiceAccountName != Name || pod.AutomountServiceAccountToken == nil || !*pod.AutomountServiceAccountToken {
		t.Errorf("serviceAccountName %q, automount %v", pod.ServiceAccountName, pod.AutomountServiceAccountToken)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != "registry.example.com/kubectl-logbackup:v1.2.3" {
		t.Errorf("image %q", c.Image)
	}
	if c.Command != nil || !slices.Equal(c.Args, []string{"exporter", "--listen=:9469"}) {
		t.Errorf("command %q args %q: the entrypoint is the binary, args start with the verb", c.Command, c.Args)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "metrics" || c.Ports[0].ContainerPort != 9469 {
		t.Errorf("ports %+v", c.Ports)
	}
	for name, p := range map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != name || p.HTTPGet.Port.String() != "metrics" {
			t.Errorf("probe %s: %+v", name, p)
		}
	}
	if c.Resources.Requests.Cpu().String() != "50m" || c.Resources.Requests.Memory().String() != "64Mi" ||
		c.Resources.Limits.Memory().String() != "256Mi" || !c.Resources.Limits.Cpu().IsZero() {
		t.Errorf("resources %+v", c.Resources)
	}

	sc := c.SecurityContext
	if sc == nil {
		t.Fatal("no container securityContext")
	}
	if !ptrIs(sc.RunAsNonRoot, true) || !ptrIs(sc.RunAsUser, 65532) || !ptrIs(sc.ReadOnlyRootFilesystem, true) ||
		!ptrIs(sc.AllowPrivilegeEscalation, false) || sc.Privileged != nil ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("container securityContext %+v", sc)
	}
	psc := pod.SecurityContext
	if psc == nil || !ptrIs(psc.RunAsNonRoot, true) || !ptrIs(psc.RunAsUser, 65532) ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v", psc)
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC || len(pod.Volumes) != 0 {
		t.Error("the pod needs no host namespace and no volume")
	}
}

func ptrIs[T comparable](p *T, v T) bool { return p != nil && *p == v }

func TestService(t *testing.T) {
	svc := decode[corev1.Service](t, find(t, build(t, options()), "Service"))
	if svc.Spec.Type != corev1.ServiceTypeClusterIP || !reflect.DeepEqual(svc.Spec.Selector, Selector()) {
		t.Errorf("type %q selector %v", svc.Spec.Type, svc.Spec.Selector)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "metrics" || svc.Spec.Ports[0].Port != 9469 || svc.Spec.Ports[0].TargetPort.String() != "metrics" {
		t.Errorf("ports %+v", svc.Spec.Ports)
	}
}

func TestServiceMonitor(t *testing.T) {
	sm := unstructured.Unstructured{Object: find(t, build(t, options()), "ServiceMonitor").Object}
	if sm.GetAPIVersion() != "monitoring.coreos.com/v1" {
		t.Errorf("apiVersion %q", sm.GetAPIVersion())
	}
	if l := sm.GetLabels(); l["release"] != "kube-prometheus-stack" || l["team.example.com/owner"] != "dba" || l["app.kubernetes.io/name"] != Name {
		t.Errorf("labels %v", l)
	}
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	if !reflect.DeepEqual(sel, Selector()) {
		t.Errorf("selector %v, want the Service's labels", sel)
	}
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	want := []any{map[string]any{"port": "metrics", "path": "/metrics", "interval": "30s", "honorLabels": true}}
	if !reflect.DeepEqual(eps, want) {
		t.Errorf("endpoints %v, want %v", eps, want)
	}
}

// The PrometheusRule is the monitoring package's, for the profile, in the
// namespace, with the extra labels.
func TestPrometheusRule(t *testing.T) {
	for _, profile := range monitoring.Profiles() {
		o := options()
		o.Profile = profile
		rule := unstructured.Unstructured{Object: find(t, build(t, o), "PrometheusRule").Object}
		src, err := monitoring.Rules(profile, monitoring.FormatPrometheusRule)
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]any
		if err := yaml.Unmarshal(src, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(rule.Object["spec"], want["spec"]) {
			t.Errorf("%s: the rule groups differ from monitoring.Rules'", profile)
		}
		if rule.GetNamespace() != "observability" || rule.GetName() != monitoring.PrometheusRuleName {
			t.Errorf("%s: %s/%s", profile, rule.GetNamespace(), rule.GetName())
		}
		if l := rule.GetLabels(); l["release"] != "kube-prometheus-stack" || l["app.kubernetes.io/component"] != "alert-rules" {
			t.Errorf("%s: labels %v", profile, l)
		}
		if got := rule.GetAnnotations()["kubectl-logbackup/profile"]; got != profile {
			t.Errorf("profile annotation %q, want %q", got, profile)
		}
	}
	if _, err := Objects(Options{Namespace: "x", Image: "x", Profile: "staging", PrometheusOperator: true}); err == nil {
		t.Error("an unknown profile was taken")
	}
}

// The YAML stream and the JSON List decode back to the same objects; the
// YAML carries the comments.
func TestOutputsParseBack(t *testing.T) {
	objs := build(t, options())
	y, err := YAML([]string{"header line", "two\nlines"}, objs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# header line\n# two\n# lines\n---\n", "strategy Recreate", "double every counter", "system:discovery"} {
		if !strings.Contains(string(y), want) {
			t.Errorf("the YAML lacks %q", want)
		}
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(y), 4096)
	var got []map[string]any
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if m != nil {
			got = append(got, m)
		}
	}
	if len(got) != len(objs) {
		t.Fatalf("%d documents, want %d", len(got), len(objs))
	}
	for i := range objs {
		if !reflect.DeepEqual(normal(t, got[i]), normal(t, objs[i].Object)) {
			t.Errorf("document %d (%s) reads back different", i, objs[i].Kind())
		}
	}

	j, err := JSONList(objs)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		APIVersion string           `json:"apiVersion"`
		Kind       string           `json:"kind"`
		Items      []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(j, &list); err != nil {
		t.Fatal(err)
	}
	if list.APIVersion != "v1" || list.Kind != "List" || len(list.Items) != len(objs) {
		t.Fatalf("list %s %s of %d items", list.APIVersion, list.Kind, len(list.Items))
	}
	for i := range objs {
		if !reflect.DeepEqual(normal(t, list.Items[i]), normal(t, objs[i].Object)) {
			t.Errorf("item %d (%s) reads back different", i, objs[i].Kind())
		}
	}
	if strings.Contains(string(j), `\u003e`) {
		t.Error("the rules' > is escaped for HTML")
	}
}

// normal is a value through JSON (numbers as float64), for comparing.
func normal(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDefaultImage(t *testing.T) {
	for version, want := range map[string]string{
		"v1.2.3":                  ImageRepository + ":v1.2.3",
		"v0.10.0":                 ImageRepository + ":v0.10.0",
		"dev":                     ImageRepository + ":latest",
		"v1.2.3-4-gabcdef0":       ImageRepository + ":latest",
		"v1.2.3-dirty":            ImageRepository + ":latest",
		"a5652bd":                 ImageRepository + ":latest",
		"v1.2":                    ImageRepository + ":latest",
		"v01.2.3":                 ImageRepository + ":latest",
		"v1.2.3\n":                ImageRepository + ":latest",
		"v1.2.3 ; rm -rf /":       ImageRepository + ":latest",
		"v1.2.3-rc.1":             ImageRepository + ":latest",
		"1.2.3":                   ImageRepository + ":latest",
		"v1.2.3+build.5":          ImageRepository + ":latest",
		"v10.20.30":               ImageRepository + ":v10.20.30",
		"v1.2.3-0.20260101-abcde": ImageRepository + ":latest",
	} {
		got, release := DefaultImage(version)
		if got != want || release != strings.HasSuffix(want, version) {
			t.Errorf("%q: %s (release %v), want %s", version, got, release, want)
		}
	}
}

func TestValidateImage(t *testing.T) {
	for image, want := range map[string]string{
		"ghcr.io/logbackup/kubectl-logbackup:v1.2.3":         "",
		"localhost:5000/x@sha256:" + strings.Repeat("a", 64): "",
		"busybox":                 "",
		"":                        "--image is empty",
		"a b":                     "without spaces",
		"a\tb":                    "without spaces",
		"a\x1bb":                  "control characters",
		"ü":                       "ASCII",
		"-x":                      "starts with '-'",
		strings.Repeat("a", 1025): "longer than 1024",
	} {
		err := ValidateImage(image)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", image, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: error %v, want %q", image, err, want)
		case err != nil && strings.ContainsAny(err.Error(), "\n\x1b"):
			t.Errorf("%q: the error is not one safe line: %q", image, err)
		}
	}
	if _, err := Objects(Options{Namespace: "x", Image: "a b", Profile: "default"}); err == nil {
		t.Error("Objects took a bad image")
	}
}

func TestParseLabel(t *testing.T) {
	for kv, want := range map[string]string{
		"release=kube-prometheus-stack":      "",
		"example.com/team=dba":               "",
		"empty=":                             "",
		"release":                            "not KEY=VALUE",
		"=x":                                 "label key",
		"bad key=x":                          "label key",
		"a/b/c=x":                            "label key",
		"release=has space":                  "label value",
		"release=" + strings.Repeat("v", 64): "label value",
		"release=a=b":                        "label value",
	} {
		_, _, err := ParseLabel(kv)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", kv, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: error %v, want %q", kv, err, want)
		}
	}
	if _, err := Objects(Options{Namespace: "x", Image: "x", Profile: "default", PrometheusOperator: true, Labels: map[string]string{"a b": "c"}}); err == nil {
		t.Error("Objects took a bad label")
	}
}

func TestNamespaceChecked(t *testing.T) {
	for _, ns := range []string{"", "Upper", "a/b", strings.Repeat("a", 64)} {
		if _, err := Objects(Options{Namespace: ns, Image: "x", Profile: "default"}); err == nil {
			t.Errorf("namespace %q taken", ns)
		}
	}
}
