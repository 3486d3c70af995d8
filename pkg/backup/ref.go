// Package backup is the plugin's model of a TiDB Operator Backup: both API
// groups read into small local types, plus the retry arithmetic and TSO
// conversion that the operator applies.
package backup

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Ref names one backup.
type Ref struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func (r Ref) String() string { return r.Namespace + "/" + r.Name }

// ParseRef reads "NS/NAME" or "NAME"; a bare name takes defaultNamespace,
// which the caller resolves from -n or the kubeconfig context.
func ParseRef(arg, defaultNamespace string) (Ref, error) {
	ns, name := defaultNamespace, arg
	if i := strings.IndexByte(arg, '/'); i >= 0 {
		ns, name = arg[:i], arg[i+1:]
		if strings.Contains(name, "/") {
			return Ref{}, fmt.Errorf("invalid backup %q: expected NAME or NAMESPACE/NAME with one slash", arg)
		}
		if ns == "" || name == "" {
			return Ref{}, fmt.Errorf("invalid backup %q: namespace and name must both be non-empty in NAMESPACE/NAME", arg)
		}
	}
	if name == "" {
		return Ref{}, fmt.Errorf("invalid backup %q: the name is empty", arg)
	}
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return Ref{}, fmt.Errorf("invalid namespace %q: %s", ns, errs[0])
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return Ref{}, fmt.Errorf("invalid backup name %q: %s", name, errs[0])
	}
	return Ref{Namespace: ns, Name: name}, nil
}
