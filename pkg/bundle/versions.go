package bundle

import (
	"context"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/buildinfo"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
)

// Versions is versions.yaml: what ran where when the bundle was made.
type Versions struct {
	APIVersion  string         `json:"apiVersion"`
	Kind        string         `json:"kind"`
	GeneratedAt time.Time      `json:"generatedAt"`
	Plugin      buildinfo.Info `json:"plugin"`
	Kubernetes  ServerVersion  `json:"kubernetes"`
	// BackupAPIs are the Backup groups the cluster serves.
	BackupAPIs []string `json:"backupAPIs"`
	// Operators are the controller pods found, each with the TiDB
	// Operator version read from its image's tag.
	Operators     []Operator `json:"operators"`
	OperatorError string     `json:"operatorError,omitempty"`
	// NamesRedacted: --redact-names was given.
	NamesRedacted bool `json:"namesRedacted"`
}

// OutputKind makes it printable with output.Print.
func (v *Versions) OutputKind() (string, string) { return v.APIVersion, v.Kind }

// ServerVersion is the API server's /version.
type ServerVersion struct {
	Version  string `json:"version,omitempty"`
	Platform string `json:"platform,omitempty"`
	Error    string `json:"error,omitempty"`
}

// Operator is one controller pod.
type Operator struct {
	Pod       string `json:"pod"` // namespace/name
	Container string `json:"container"`
	Image     string `json:"image"`
	// Version is the image's tag ("v1.6.1"); "unknown" for an image
	// named by digest or without a tag.
	Version string `json:"version"`
}

// maxOperatorPods bounds the controller pods listed: anyone who can
// label a pod like the controller could otherwise grow the file.
const maxOperatorPods = 10

// VersionQuery says where the controller is.
type VersionQuery struct {
	APIs      []backupapi.API
	Namespace string   // "" = every namespace
	Selectors []string // one per operator version to look for
	Now       time.Time
}

// ReadVersions reads the server's version and the controller pods'
// images; each failure is a note and a field of the result.
func (b *Bundle) ReadVersions(ctx context.Context, r Reader, q VersionQuery) *Versions {
	v := &Versions{APIVersion: output.APIVersion, Kind: "Versions", GeneratedAt: q.Now, Plugin: buildinfo.Read(),
		BackupAPIs: []string{}, Operators: []Operator{}, NamesRedacted: b.namer != nil}
	for _, a := range q.APIs {
		v.BackupAPIs = append(v.BackupAPIs, a.Group+"/"+a.Version)
	}
	rctx, cancel := r.bound(ctx)
	info, err := backupapi.ServerVersion(rctx, r.Clients.Kube.Discovery().RESTClient())
	cancel()
	if err != nil {
		v.Kubernetes.Error = err.Error()
		b.Note("versions: the API server's version: %v", err)
	} else {
		v.Kubernetes.Version, v.Kubernetes.Platform = info.GitVersion, info.Platform
	}
	seen := map[string]bool{}
	for _, sel := range q.Selectors {
		rctx, cancel := r.bound(ctx)
		pods, err := r.Clients.Kube.CoreV1().Pods(q.Namespace).List(rctx, metav1.ListOptions{LabelSelector: sel, Limit: maxOperatorPods})
		cancel()
		if err != nil {
			err = backupapi.Access(err, "list", "", "pods", "", q.Namespace)
			v.OperatorError = err.Error()
			b.Note("versions: the TiDB Operator's controller pods (%s): %v", sel, err)
			continue
		}
		for i := range pods.Items {
			p := &pods.Items[i]
			key := p.Namespace + "/" + p.Name
			if seen[key] || len(v.Operators) >= maxOperatorPods {
				continue
			}
			seen[key] = true
			c := operatorContainer(p)
			v.Operators = append(v.Operators, Operator{Pod: key, Container: c.Name, Image: c.Image, Version: ImageTag(c.Image)})
		}
	}
	if len(v.Operators) == 0 && v.OperatorError == "" {
		v.OperatorError = "no controller pod found with " + strings.Join(q.Selectors, " or ") + "; set --controller-namespace and --controller-selector"
		b.Note("versions: %s", v.OperatorError)
	}
	sort.Slice(v.Operators, func(i, j int) bool { return v.Operators[i].Pod < v.Operators[j].Pod })
	return v
}

// operatorContainer is the operator's container of a controller pod.
func operatorContainer(p *corev1.Pod) corev1.Container {
	for _, want := range []string{"tidb-operator", "tidb-controller-manager", "controller-manager", "manager"} {
		for _, c := range p.Spec.Containers {
			if c.Name == want {
				return c
			}
		}
	}
	if len(p.Spec.Containers) > 0 {
		return p.Spec.Containers[0]
	}
	return corev1.Container{}
}

// ImageTag is the tag of an image reference: "v1.6.1" of
// "registry:5000/pingcap/tidb-operator:v1.6.1"; "unknown" when the image
// has none (the registry's port is not a tag) or is pinned by digest
// alone.
func ImageTag(image string) string {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image = image[:i]
	}
	slash := strings.LastIndexByte(image, '/')
	if colon := strings.LastIndexByte(image, ':'); colon > slash && colon < len(image)-1 {
		return image[colon+1:]
	}
	return "unknown"
}
