package cluster

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// crdFiles are the Backup CRDs of operator v1 and v2. They are applied with
// the dynamic client so this package needs no apiextensions dependency.
//
//go:embed crds/*.yaml
var crdFiles embed.FS

// CRDManifests returns the embedded CRD manifests by file name, for tools
// (such as a demo) that apply them with kubectl.
func CRDManifests() (map[string][]byte, error) {
	names, err := fs.Glob(crdFiles, "crds/*.yaml")
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, name := range names {
		b, err := crdFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out[path.Base(name)] = b
	}
	return out, nil
}

// crdResource is what discovery must list once a CRD is served.
type crdResource struct {
	groupVersion string
	names        []string // "backups", plus "backups/status" with a status subresource
}

// InstallCRDs creates (or updates) the Backup CRDs of both operator
// generations and returns once they are Established and discovery lists
// their resources, so a client started afterwards sees them at once.
func InstallCRDs(ctx context.Context, cfg *rest.Config) error {
	manifests, err := CRDManifests()
	if err != nil {
		return err
	}
	return installCRDs(ctx, cfg, manifests)
}

// ApplyCRDFiles creates (or updates) the CRDs in the files (YAML, one or
// more documents each) and waits for them as InstallCRDs does: Established,
// in discovery and served.
func ApplyCRDFiles(ctx context.Context, cfg *rest.Config, paths ...string) error {
	manifests := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		manifests[p] = b
	}
	return installCRDs(ctx, cfg, manifests)
}

// PrometheusOperatorCRDFiles are the Prometheus Operator's ServiceMonitor
// and PrometheusRule CRDs that `make tools` puts in the tools folder's
// crds/ (taken from the operator's Go module, not kept in this repository).
// Missing files are an error that says how to get them, never a skip.
func PrometheusOperatorCRDFiles(toolsDir string) ([]string, error) {
	if toolsDir == "" {
		toolsDir = os.Getenv(ToolsDirEnv)
	}
	if toolsDir == "" {
		return nil, fmt.Errorf("test cluster: %s is not set: run `make tools`, which fetches the Prometheus Operator CRDs, and export it", ToolsDirEnv)
	}
	var paths []string
	for _, name := range []string{"monitoring.coreos.com_servicemonitors.yaml", "monitoring.coreos.com_prometheusrules.yaml"} {
		p := filepath.Join(toolsDir, "crds", name)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("test cluster: %v: run `make tools`, which fetches the Prometheus Operator CRDs into %s", err, filepath.Join(toolsDir, "crds"))
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// installCRDs applies every CustomResourceDefinition of the manifests (by
// file name) and waits until each is Established, in discovery and served.
func installCRDs(ctx context.Context, cfg *rest.Config, manifests map[string][]byte) error {
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	crds := client.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})

	var names []string
	var want []crdResource
	for _, file := range slices.Sorted(maps.Keys(manifests)) {
		objs, err := decodeCRDs(manifests[file])
		if err != nil {
			return fmt.Errorf("parse %s: %w", file, err)
		}
		for _, obj := range objs {
			if err := retryTransient(ctx, func() error { return applyObject(ctx, crds, obj) }); err != nil {
				return fmt.Errorf("install CRD %s: %w", obj.GetName(), err)
			}
			names = append(names, obj.GetName())
			w, err := servedResources(obj)
			if err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			want = append(want, w...)
		}
	}
	var settled time.Time
	for _, name := range names {
		established, err := waitEstablished(ctx, crds, name)
		if err != nil {
			return err
		}
		if t := established.Add(crdSettleTime); t.After(settled) {
			settled = t
		}
	}
	if err := waitDiscovery(ctx, cfg, want); err != nil {
		return err
	}
	if err := waitServed(ctx, cfg, want); err != nil {
		return err
	}
	// For two seconds after a CRD becomes Established, the API server
	// delays every create of its resources by two seconds (it guards HA
	// setups against a peer that has not seen the CRD yet). Waiting here
	// keeps that hidden sleep out of the tests' first create.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(settled)):
		return nil
	}
}

// decodeCRDs reads the documents of a YAML file (empty ones skipped); each
// must be a CustomResourceDefinition.
func decodeCRDs(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		obj := &unstructured.Unstructured{Object: m}
		if obj.GetKind() != "CustomResourceDefinition" {
			return nil, fmt.Errorf("%s %s is not a CustomResourceDefinition", obj.GetKind(), obj.GetName())
		}
		out = append(out, obj)
	}
	if len(out) == 0 {
		return nil, errors.New("no CustomResourceDefinition")
	}
	return out, nil
}

// crdSettleTime is how long after Established the API server keeps
// delaying creates (apiextensions-apiserver's crdHandler), plus a margin.
const crdSettleTime = 2*time.Second + 100*time.Millisecond

// retryTransient retries fn while the API server is still starting (it
// serves requests a little before every controller runs); errors that a
// retry cannot fix are returned at once.
func retryTransient(ctx context.Context, fn func() error) error {
	var last error
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(context.Context) (bool, error) {
		last = fn()
		switch {
		case last == nil:
			return true, nil
		case apierrors.IsInvalid(last), apierrors.IsBadRequest(last):
			return false, last
		}
		return false, nil
	})
	if err != nil && last != nil && !errors.Is(err, last) {
		return fmt.Errorf("%w (last error: %v)", err, last)
	}
	return err
}

// applyObject creates obj, or replaces the existing one (a reused WorkDir
// keeps etcd's data), so InstallCRDs can run any number of times.
func applyObject(ctx context.Context, client dynamic.ResourceInterface, obj *unstructured.Unstructured) error {
	_, err := client.Create(ctx, obj, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	existing, err := client.Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		return err
	}
	obj = obj.DeepCopy()
	obj.SetResourceVersion(existing.GetResourceVersion())
	_, err = client.Update(ctx, obj, metav1.UpdateOptions{})
	return err
}

// servedResources reads from a CRD what discovery will list for it.
func servedResources(crd *unstructured.Unstructured) ([]crdResource, error) {
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	if group == "" || plural == "" || len(versions) == 0 {
		return nil, fmt.Errorf("CRD %s lacks group, names.plural or versions", crd.GetName())
	}
	var out []crdResource
	for _, v := range versions {
		version, _ := v.(map[string]any)
		if served, _, _ := unstructured.NestedBool(version, "served"); !served {
			continue
		}
		name, _, _ := unstructured.NestedString(version, "name")
		r := crdResource{groupVersion: group + "/" + name, names: []string{plural}}
		if _, ok, _ := unstructured.NestedFieldNoCopy(version, "subresources", "status"); ok {
			r.names = append(r.names, plural+"/status")
		}
		out = append(out, r)
	}
	return out, nil
}

// waitEstablished waits for the CRD's Established condition and returns its
// lastTransitionTime (whole seconds, as the API server itself sees it).
func waitEstablished(ctx context.Context, client dynamic.ResourceInterface, name string) (time.Time, error) {
	var last string
	var established time.Time
	err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		crd, err := client.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		conditions, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		for _, c := range conditions {
			cond, _ := c.(map[string]any)
			if cond["type"] == "Established" && cond["status"] == "True" {
				ltt, _ := cond["lastTransitionTime"].(string)
				established, err = time.Parse(time.RFC3339, ltt)
				if err != nil {
					established = time.Now() // unknown: assume just now
				}
				return true, nil
			}
			if cond["type"] == "NamesAccepted" && cond["status"] == "False" {
				return false, fmt.Errorf("names not accepted: %v", cond["message"])
			}
		}
		last = fmt.Sprintf("conditions %v", conditions)
		return false, nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("CRD %s not established: %w (last: %s)", name, err, last)
	}
	return established, nil
}

// waitDiscovery waits until both kinds of discovery list every resource:
// the aggregated document (/api, /apis) that current clients, kubectl and
// the plugin read, and the per-group-version endpoints that older ones read.
// The two are updated by different controllers, a little after Established.
func waitDiscovery(ctx context.Context, cfg *rest.Config, want []crdResource) error {
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = 10 * time.Second
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	var missing []string
	err = wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(context.Context) (bool, error) {
		missing = missing[:0]
		_, lists, err := dc.ServerGroupsAndResources()
		if err != nil && len(lists) == 0 {
			missing = append(missing, "aggregated discovery: "+err.Error())
			return false, nil
		}
		aggregated := map[string][]string{}
		for _, l := range lists {
			for _, r := range l.APIResources {
				aggregated[l.GroupVersion] = append(aggregated[l.GroupVersion], r.Name)
			}
		}
		for _, w := range want {
			legacy := map[string]bool{}
			if l, err := dc.ServerResourcesForGroupVersion(w.groupVersion); err == nil {
				for _, r := range l.APIResources {
					legacy[r.Name] = true
				}
			}
			for _, name := range w.names {
				if !slices.Contains(aggregated[w.groupVersion], name) {
					missing = append(missing, w.groupVersion+" "+name+" (aggregated)")
				}
				if !legacy[name] {
					missing = append(missing, w.groupVersion+" "+name)
				}
			}
		}
		return len(missing) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("CRDs not in discovery: %w (missing: %s)", err, strings.Join(missing, ", "))
	}
	return nil
}

// waitServed waits until each custom resource can be listed. The API server
// builds a CRD's storage on the first request to it and, until its watch
// cache is filled, answers 429 with Retry-After: 1, which client-go obeys:
// without this the first request of every test would take a second longer.
func waitServed(ctx context.Context, cfg *rest.Config, want []crdResource) error {
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	for _, w := range want {
		url := strings.TrimSuffix(cfg.Host, "/") + "/apis/" + w.groupVersion + "/" + w.names[0] + "?limit=1"
		var last error
		err := wait.PollUntilContextCancel(ctx, 20*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			last = httpOK(ctx, client, url, "")
			return last == nil, nil
		})
		if err != nil {
			return fmt.Errorf("%s %s not served: %w (last: %v)", w.groupVersion, w.names[0], err, last)
		}
	}
	return nil
}
