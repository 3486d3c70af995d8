package reset

import (
	"encoding/json"
	"fmt"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// Op is one RFC 6902 JSON-patch operation.
type Op struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// recordsPath is where both operators keep the retry records.
const (
	recordsPath = "/status/backoffRetryStatus"
	phasePath   = "/status/phase"
)

// Patch is the JSON patch of the plan. The two test operations make the
// API server refuse it unless the object is the same backup (UID) and its
// records are exactly the previewed ones: a record the controller appended
// since, or a retry that has started since, fails the test and nothing is
// removed. The records are tested rather than the resourceVersion because
// the controller rewrites other status fields (conditions, a log backup's
// checkpoint) all the time, and those changes do not matter here. The
// phase is tested too: operator v2 checks its retry limit before appending
// a record, so a backup can turn Failed with the records unchanged, and
// the preview's warnings were written for the phase it showed.
//
// A null inside a list makes the API server's JSON-patch library fail on
// the test operation (it dereferences the null), so records holding one
// are guarded by the resourceVersion instead: stricter (any status write
// refuses the patch), but a reset of such records is rare and can be run
// again.
func (p *Plan) Patch() []Op {
	guard := Op{Op: "test", Path: recordsPath, Value: p.stored}
	if nullInList(p.stored) {
		guard = Op{Op: "test", Path: "/metadata/resourceVersion", Value: p.ResourceVersion}
	}
	ops := []Op{{Op: "test", Path: "/metadata/uid", Value: p.UID}, guard}
	if p.Phase != "" {
		ops = append(ops, Op{Op: "test", Path: phasePath, Value: p.Phase})
	}
	return append(ops, Op{Op: "remove", Path: recordsPath})
}

// PatchJSON encodes the patch. encoding/json is also what the API server
// uses to encode a custom resource before it applies a JSON patch, and the
// test operation compares strings byte for byte, so both sides must escape
// alike.
func (p *Plan) PatchJSON() ([]byte, error) {
	if p.Empty() {
		return nil, fmt.Errorf("backup %s has no retry records: there is nothing to patch", p.Target)
	}
	return json.Marshal(p.Patch())
}

// Path is the request path the patch goes to, as the API server names it.
func (p *Plan) Path() string {
	path := fmt.Sprintf("/apis/%s/%s/namespaces/%s/%s/%s", p.Group, p.Version, p.Target.Namespace, backup.Resource, p.Target.Name)
	if p.StatusSubresource {
		path += "/status"
	}
	return path
}

// nullInList: a JSON null somewhere inside a list, at any depth.
func nullInList(v any) bool {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if e == nil || nullInList(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if nullInList(e) {
				return true
			}
		}
	}
	return false
}
