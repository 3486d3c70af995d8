package version

import "github.com/logbackup/kubectl-logbackup/pkg/buildinfo"

// Kind of the -o json|yaml document.
const Kind = "Version"

// Version is the output kind of `kubectl logbackup version`. Fields may be
// added within output.APIVersion; none is renamed or removed.
type Version struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Client     buildinfo.Info `json:"client"`
	// Server is there only with --client=false.
	Server *Server `json:"server,omitempty"`
}

// OutputKind makes Version printable by output.Print.
func (v *Version) OutputKind() (string, string) { return v.APIVersion, v.Kind }

// Server is what the API server said, or why it could not be read.
type Server struct {
	Version  string `json:"version,omitempty"`
	Platform string `json:"platform,omitempty"`
	// BackupAPIs is empty when neither group is served, null when the
	// server could not be read.
	BackupAPIs []BackupAPI `json:"backupAPIs"`
	Error      string      `json:"error,omitempty"`
}

// BackupAPI is one served TiDB Operator Backup API.
type BackupAPI struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	// Operator is the TiDB Operator major version serving it: v1 or v2.
	Operator string `json:"operator"`
	// StatusSubresource: status changes go to backups/status (v2).
	StatusSubresource bool `json:"statusSubresource"`
}
