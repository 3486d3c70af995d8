// Package manifests builds the Kubernetes objects that run the exporter in
// a cluster (`kubectl logbackup exporter manifests`): a ServiceAccount, a
// read-only ClusterRole and its binding, a one-replica Deployment, a
// Service, and for the Prometheus Operator a ServiceMonitor and the
// PrometheusRule of the monitoring package. Every object is a Go value
// (k8s.io/api types, or a map for the Prometheus Operator's kinds, whose Go
// module the plugin does not import), so the output is always well-formed.
package manifests

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"

	"github.com/logbackup/kubectl-logbackup/monitoring"
	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// Names and numbers shared by the objects.
const (
	// Name is metadata.name of every object but the PrometheusRule
	// (monitoring.PrometheusRuleName).
	Name = "logbackup-exporter"
	// Port is the exporter's --listen port and the Service's port.
	Port = 9469
	// PortName names the container port, the Service port and the
	// ServiceMonitor endpoint.
	PortName = "metrics"
	// ImageRepository is where release images are published.
	ImageRepository = "ghcr.io/logbackup/kubectl-logbackup"
	// UID is the non-root user (and group) the container runs as: the
	// "nonroot" user of distroless images.
	UID = 65532
	// ScrapeInterval is the ServiceMonitor's interval.
	ScrapeInterval = "30s"
)

// Selector are the labels of the exporter's pods, which the Deployment and
// the Service select and every object carries.
func Selector() map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":    Name,
		"app.kubernetes.io/part-of": "kubectl-logbackup",
	}
}

// Groups are the API groups whose backups the exporter reads.
func Groups() []string { return []string{backup.GroupV1, backup.GroupV2} }

// Options choose what Objects builds.
type Options struct {
	// Namespace of every namespaced object and of the ClusterRoleBinding's
	// subject. Required.
	Namespace string
	// Image of the exporter container. Required (DefaultImage gives the
	// default).
	Image string
	// Profile is the alert threshold profile of the PrometheusRule.
	Profile string
	// PrometheusOperator adds the ServiceMonitor and the PrometheusRule.
	PrometheusOperator bool
	// Labels are extra labels of the ServiceMonitor and the PrometheusRule
	// (a Prometheus' serviceMonitorSelector and ruleSelector may want one,
	// such as release=kube-prometheus-stack). Check them with ParseLabel.
	Labels map[string]string
}

// Object is one document of the output.
type Object struct {
	// Comment is said before the document in YAML (one "# " line each).
	Comment []string
	// Object is the Kubernetes object as a JSON-able map.
	Object map[string]any
}

// Kind is the object's kind.
func (o Object) Kind() string { s, _ := o.Object["kind"].(string); return s }

// Name is the object's metadata.name.
func (o Object) Name() string {
	m, _ := o.Object["metadata"].(map[string]any)
	s, _ := m["name"].(string)
	return s
}

// releaseVersion is a release's version: vMAJOR.MINOR.PATCH, nothing after
// it (git describe adds -N-gHASH after a tag, and -dirty).
var releaseVersion = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)

// DefaultImage is the image of this build's version when that is a release
// (vX.Y.Z), and whether it is; otherwise the repository's "latest", which
// is not the code of this build.
func DefaultImage(version string) (image string, release bool) {
	if releaseVersion.MatchString(version) {
		return ImageRepository + ":" + version, true
	}
	return ImageRepository + ":latest", false
}

// maxImageBytes: no image reference is longer (a registry host, a 255-byte
// repository path, a 128-byte tag and a sha256 digest fit well within it).
const maxImageBytes = 1024

// ValidateImage checks that an --image value is a plausible image
// reference: not empty, ASCII, no whitespace or control character.
func ValidateImage(image string) error {
	const what = "an image reference such as " + ImageRepository + ":v1.2.3"
	switch {
	case image == "":
		return fmt.Errorf("--image is empty; give %s", what)
	case len(image) > maxImageBytes:
		return fmt.Errorf("invalid --image: %d bytes is longer than %d; give %s", len(image), maxImageBytes, what)
	case strings.HasPrefix(image, "-"):
		return fmt.Errorf("invalid --image %q: it starts with '-'; give %s", image, what)
	}
	for _, r := range image {
		if r > unicode.MaxASCII || unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("invalid --image %q: it holds %q, but an image reference is ASCII without spaces or control characters; give %s", image, r, what)
		}
	}
	if !imageReference.MatchString(image) {
		return fmt.Errorf("invalid --image %q: not an image reference [REGISTRY/]REPOSITORY[:TAG][@DIGEST]; give %s", image, what)
	}
	return nil
}

// imageReference is the shape of a reference (the distribution grammar,
// loosely): path components of lower-case letters, digits and separators, a
// registry that may have a port, a tag, a digest.
var imageReference = regexp.MustCompile(`^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@[a-z0-9]+([+._-][a-z0-9]+)*:[a-fA-F0-9]{32,})?$`)

// ParseLabel reads a KEY=VALUE label and checks it as Kubernetes does.
func ParseLabel(kv string) (key, value string, err error) {
	key, value, ok := strings.Cut(kv, "=")
	if !ok {
		return "", "", fmt.Errorf("%q is not KEY=VALUE, such as release=kube-prometheus-stack", kv)
	}
	if errs := validation.IsQualifiedName(key); len(errs) > 0 {
		return "", "", fmt.Errorf("label key %q: %s", key, errs[0])
	}
	if _, fixed := Selector()[key]; fixed {
		return "", "", fmt.Errorf("label %s is set by the manifests (the Deployment and the Service select on it); give another key", key)
	}
	if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
		return "", "", fmt.Errorf("label value %q: %s", value, errs[0])
	}
	return key, value, nil
}

// Objects builds the documents, in the order to apply them.
func Objects(o Options) ([]Object, error) {
	if errs := validation.IsDNS1123Label(o.Namespace); len(errs) > 0 {
		return nil, fmt.Errorf("invalid namespace %q: %s", o.Namespace, errs[0])
	}
	if err := ValidateImage(o.Image); err != nil {
		return nil, err
	}
	for k, v := range o.Labels {
		if _, _, err := ParseLabel(k + "=" + v); err != nil {
			return nil, err
		}
	}
	typed := []struct {
		comment []string
		obj     any
	}{
		{[]string{"The exporter's identity: its pod reads backups with this ServiceAccount's token."}, serviceAccount(o)},
		{[]string{
			"Read-only: get, list and watch backups of both operator versions, nothing else.",
			"The exporter also reads API discovery (/apis/GROUP/VERSION): the default",
			"system:discovery ClusterRole, bound to every authenticated user, allows it,",
			"so no rule here is needed for it.",
		}, clusterRole()},
		{nil, clusterRoleBinding(o)},
		{[]string{
			"One replica, strategy Recreate: two exporters running at once (two replicas,",
			"or the old and new pod of a rolling update) would each count every retry and",
			"double every counter. The image's entrypoint is the kubectl-logbackup binary,",
			"so args start with the verb (exporter).",
		}, deployment(o)},
		{nil, service(o)},
	}
	var out []Object
	for _, t := range typed {
		m, err := toMap(t.obj)
		if err != nil {
			return nil, err
		}
		out = append(out, Object{Comment: t.comment, Object: m})
	}
	if !o.PrometheusOperator {
		return out, nil
	}
	rule, err := prometheusRule(o)
	if err != nil {
		return nil, err
	}
	out = append(out,
		Object{Comment: []string{
			"Needs the Prometheus Operator's CRDs. honorLabels keeps the exporter's own",
			"namespace label (the backup's namespace) instead of renaming it exported_namespace.",
		}, Object: serviceMonitor(o)},
		Object{Comment: []string{
			"The alert rules of: kubectl logbackup monitoring rules --profile " + o.Profile + " --format prometheusrule",
		}, Object: rule},
	)
	return out, nil
}

func meta(o Options, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: o.Namespace, Labels: Selector()}
}

func serviceAccount(o Options) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta: meta(o, Name),
	}
}

func clusterRole() *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
		ObjectMeta: metav1.ObjectMeta{Name: Name, Labels: Selector()},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: Groups(),
			Resources: []string{backup.Resource},
			Verbs:     []string{"get", "list", "watch"},
		}},
	}
}

func clusterRoleBinding(o Options) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: Name, Labels: Selector()},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: Name, Namespace: o.Namespace}},
	}
}

func deployment(o Options) *appsv1.Deployment {
	one := int32(1)
	uid := int64(UID)
	yes, no := true, false
	probe := func(path string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(PortName)}}}
	}
	readiness := probe("/readyz")
	readiness.PeriodSeconds = 5
	liveness := probe("/healthz")
	liveness.PeriodSeconds = 10
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta(o, Name),
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: Selector()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: Selector()},
				Spec: corev1.PodSpec{
					ServiceAccountName:           Name,
					AutomountServiceAccountToken: &yes, // the exporter reads the API with this token
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   &yes,
						RunAsUser:      &uid,
						RunAsGroup:     &uid,
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:  "exporter",
						Image: o.Image,
						Args:  []string{"exporter", fmt.Sprintf("--listen=:%d", Port)},
						Ports: []corev1.ContainerPort{{Name: PortName, ContainerPort: Port, Protocol: corev1.ProtocolTCP}},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{
								corev1.ResourceCPU:    resource.MustParse("50m"),
								corev1.ResourceMemory: resource.MustParse("64Mi"),
							},
							// The target is under 200 MB RSS with 10,000 backups.
							Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
						},
						LivenessProbe:  liveness,
						ReadinessProbe: readiness,
						SecurityContext: &corev1.SecurityContext{
							RunAsNonRoot:             &yes,
							RunAsUser:                &uid,
							RunAsGroup:               &uid,
							ReadOnlyRootFilesystem:   &yes,
							AllowPrivilegeEscalation: &no,
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
							SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
						},
					}},
				},
			},
		},
	}
}

func service(o Options) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta(o, Name),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: Selector(),
			Ports: []corev1.ServicePort{{
				Name: PortName, Port: Port, TargetPort: intstr.FromString(PortName), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}

// withExtra returns base with the extra labels added.
func withExtra(base map[string]string, extra map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func serviceMonitor(o Options) map[string]any {
	return map[string]any{
		"apiVersion": "monitoring.coreos.com/v1",
		"kind":       "ServiceMonitor",
		"metadata": map[string]any{
			"name":      Name,
			"namespace": o.Namespace,
			"labels":    withExtra(Selector(), o.Labels),
		},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": withExtra(Selector(), nil)},
			"endpoints": []any{map[string]any{
				"port":        PortName,
				"path":        "/metrics",
				"interval":    ScrapeInterval,
				"honorLabels": true,
			}},
		},
	}
}

// prometheusRule is the PrometheusRule that `monitoring rules --format
// prometheusrule` prints, placed in the namespace and given the extra
// labels.
func prometheusRule(o Options) (map[string]any, error) {
	b, err := monitoring.Rules(o.Profile, monitoring.FormatPrometheusRule)
	if err != nil {
		return nil, err
	}
	var rule map[string]any
	if err := yaml.Unmarshal(b, &rule); err != nil {
		return nil, fmt.Errorf("reading the PrometheusRule: %w", err)
	}
	md, ok := rule["metadata"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the PrometheusRule has no metadata") // a programming error
	}
	md["namespace"] = o.Namespace
	labels, _ := md["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
	}
	labels["app.kubernetes.io/part-of"] = Selector()["app.kubernetes.io/part-of"]
	for _, k := range slices.Sorted(maps.Keys(o.Labels)) {
		labels[k] = o.Labels[k]
	}
	md["labels"] = labels
	return rule, nil
}

// toMap turns a typed object into its JSON form, without the status that
// the types always write (empty, or "loadBalancer: {}" for a Service): the
// API server owns it.
func toMap(obj any) (map[string]any, error) {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	return m, nil
}
