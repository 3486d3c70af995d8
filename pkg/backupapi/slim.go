package backupapi

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The fields backup.FromUnstructured reads; a stream keeps no others.
func slimSpec() []string {
	return []string{"backupMode", "logSubcommand", "logStop", "backoffRetryPolicy", "br"}
}
func slimStatus() []string {
	return []string{"phase", "logCheckpointTs", "backoffRetryStatus", "conditions", "timeSynced", "progresses"}
}

// Slim is an informer transform (cache.TransformFunc): it keeps of a
// Backup only what the model reads, so a watch of thousands of backups
// holds a few hundred bytes each instead of whole objects (managed fields,
// annotations, storage specs). A value of the wrong type is kept as it is,
// so the decoder still reports it invalid.
func Slim(obj any) (any, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return obj, nil // a deletion tombstone: its object was slimmed when it was added
	}
	out := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": u.Object["apiVersion"],
		"kind":       u.Object["kind"],
	}}
	meta := map[string]any{}
	if m, ok := u.Object["metadata"].(map[string]any); ok {
		for _, k := range []string{"name", "namespace", "uid", "resourceVersion", "creationTimestamp", "finalizers", "deletionTimestamp"} {
			if v, ok := m[k]; ok {
				meta[k] = v
			}
		}
	}
	out.Object["metadata"] = meta
	out.Object["spec"] = slimSpecOf(u.Object["spec"])
	if st, ok := u.Object["status"]; ok {
		out.Object["status"] = pick(st, slimStatus())
	}
	return out, nil
}

// slimSpecOf keeps the spec fields the model reads; of spec.br only the
// cluster it names, not BR's options (which may carry credentials).
func slimSpecOf(v any) any {
	spec := pick(v, slimSpec())
	if m, ok := spec.(map[string]any); ok && m["br"] != nil {
		m["br"] = pick(m["br"], []string{"cluster", "clusterNamespace"})
	}
	return spec
}

// pick copies the listed keys of an object; anything else is kept whole.
func pick(v any, keys []string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if x, ok := m[k]; ok {
			out[k] = x
		}
	}
	if len(out) == 0 && len(m) > 0 {
		// A status with none of the kept keys is still a status: the
		// "no status" verdict must not differ between a slim row and
		// investigate's whole object.
		out[slimPresent] = true
	}
	return out
}

// slimPresent marks a picked map whose original had other keys only; the
// decoder ignores keys it does not read.
const slimPresent = "logbackup.slim/present"
