package fleet

import "github.com/logbackup/kubectl-logbackup/pkg/output"

// ChangeKind is the kind of one line of `status --watch -o json`.
const ChangeKind = "BackupStatusChange"

// ChangeOutput is one change as a watch prints it with -o json: one
// object per line, the row as status -o json shows it.
type ChangeOutput struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Type is ADDED (also for each row of the first list), MODIFIED or DELETED.
	Type string `json:"type"`
	Row  Row    `json:"row"`
}

// OutputKind is the change's apiVersion and kind.
func (c *ChangeOutput) OutputKind() (string, string) { return c.APIVersion, c.Kind }

// Output is c as it is printed.
func (c Change) Output() *ChangeOutput {
	return &ChangeOutput{APIVersion: output.APIVersion, Kind: ChangeKind, Type: c.Type, Row: c.Row}
}

// Key identifies a row across changes.
func (r Row) Key() string {
	return r.Context + "\x00" + r.Group + "\x00" + r.Namespace + "\x00" + r.Name
}
