package bundle

import (
	"context"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// SecretRef is one Secret a backup or its pods refer to, as
// secrets.yaml lists it: names and key names, never a value.
type SecretRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Type is the Secret's type (Opaque, kubernetes.io/tls, ...).
	Type string `json:"type,omitempty"`
	// Found: the Secret exists; nil when it could not be read.
	Found *bool `json:"found,omitempty"`
	// Keys are its key names, sorted.
	Keys []string `json:"keys"`
	// ReferencedBy says where each reference is: "Backup/NS/NAME
	// spec.s3.secretName", "Pod/NAME env AWS_KEY".
	ReferencedBy []string `json:"referencedBy"`
	Error        string   `json:"error,omitempty"`
}

// SecretList is secrets.yaml.
type SecretList struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Items      []SecretRef `json:"items"`
}

// OutputKind makes it printable with output.Print.
func (l *SecretList) OutputKind() (string, string) { return l.APIVersion, l.Kind }

type secretKey struct{ ns, name string }

// secretUse is one reference found in an object.
type secretUse struct {
	name  string
	where string
}

// specSecretRefs finds every secretName in a Backup's spec (the storage
// Secret of spec.s3|gcs|azblob, spec.from's TiDB password Secret, and any
// other an operator version adds).
func specSecretRefs(obj map[string]any) []secretUse {
	var out []secretUse
	kind, _ := obj["kind"].(string)
	meta, _ := obj["metadata"].(map[string]any)
	ns, _ := meta["namespace"].(string)
	name, _ := meta["name"].(string)
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch t := v.(type) {
		case map[string]any:
			for k, child := range t {
				if s, ok := child.(string); ok && s != "" && (k == "secretName" || k == "tlsClientSecretName") {
					out = append(out, secretUse{name: s, where: kind + "/" + ns + "/" + name + " " + at + "." + k})
					continue
				}
				walk(child, at+"."+k)
			}
		case []any:
			for _, child := range t {
				walk(child, at+"[]")
			}
		}
	}
	walk(obj["spec"], "spec")
	return out
}

// podSecretRefs finds the Secrets a Pod reads: env valueFrom, envFrom,
// volumes (also projected), image pull secrets.
func podSecretRefs(p *corev1.Pod) []secretUse {
	var out []secretUse
	at := "Pod/" + p.Namespace + "/" + p.Name
	for _, c := range append(append([]corev1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				out = append(out, secretUse{e.ValueFrom.SecretKeyRef.Name, at + " container " + c.Name + " env " + e.Name})
			}
		}
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil {
				out = append(out, secretUse{e.SecretRef.Name, at + " container " + c.Name + " envFrom"})
			}
		}
	}
	for _, v := range p.Spec.Volumes {
		if v.Secret != nil {
			out = append(out, secretUse{v.Secret.SecretName, at + " volume " + v.Name})
		}
		if v.Projected != nil {
			for _, s := range v.Projected.Sources {
				if s.Secret != nil {
					out = append(out, secretUse{s.Secret.Name, at + " volume " + v.Name})
				}
			}
		}
	}
	for _, s := range p.Spec.ImagePullSecrets {
		out = append(out, secretUse{s.Name, at + " imagePullSecrets"})
	}
	return out
}

// addSecretRefs records references and reads each new Secret's key
// names once. The Secret is read whole (the API cannot list keys alone)
// and its data cleared at once: no value is kept or written.
func (b *Bundle) addSecretRefs(ctx context.Context, r Reader, ref backup.Ref, uses []secretUse) {
	for _, u := range uses {
		if u.name == "" {
			continue
		}
		k := secretKey{ref.Namespace, u.name}
		b.mu.Lock()
		s, seen := b.secrets[k]
		if !seen {
			s = &SecretRef{Namespace: k.ns, Name: k.name, Keys: []string{}, ReferencedBy: []string{}}
			b.secrets[k] = s
		}
		if !slices.Contains(s.ReferencedBy, u.where) {
			s.ReferencedBy = append(s.ReferencedBy, u.where)
		}
		b.mu.Unlock()
		if seen {
			continue
		}
		rctx, cancel := r.bound(ctx)
		sec, err := r.Clients.Kube.CoreV1().Secrets(k.ns).Get(rctx, k.name, metav1.GetOptions{})
		cancel()
		switch {
		case apierrors.IsNotFound(err):
			s.Found = new(bool)
		case err != nil:
			s.Error = text.Redact(backupapi.Access(err, "get", "", "secrets", "", k.ns).Error())
			b.Note("%s: secret %s: %s", ref, k.name, s.Error)
		default:
			found := true
			s.Found, s.Type = &found, string(sec.Type)
			for key := range sec.Data {
				s.Keys = append(s.Keys, key)
			}
			for key := range sec.StringData {
				if !slices.Contains(s.Keys, key) {
					s.Keys = append(s.Keys, key)
				}
			}
			clear(sec.Data)
			clear(sec.StringData)
			sort.Strings(s.Keys)
		}
	}
}

// secretList is secrets.yaml's content, sorted.
func (b *Bundle) secretList() *SecretList {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := &SecretList{APIVersion: output.APIVersion, Kind: "SecretReferenceList", Items: []SecretRef{}}
	for _, s := range b.secrets {
		c := *s
		sort.Strings(c.ReferencedBy)
		l.Items = append(l.Items, c)
	}
	sort.Slice(l.Items, func(i, j int) bool {
		if l.Items[i].Namespace != l.Items[j].Namespace {
			return l.Items[i].Namespace < l.Items[j].Namespace
		}
		return l.Items[i].Name < l.Items[j].Name
	})
	return l
}
