package e2e

import (
	"encoding/json"
	"testing"
)

// `kubectl logbackup version --client=false` through the real kubectl: this
// build, and the test API server's version and both operators' Backup APIs.
func TestVersionThroughKubectl(t *testing.T) {
	r := kubectl(t, []string{"KUBECONFIG=" + s.kubeconfig}, "logbackup", "version", "--client=false", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var v struct {
		Kind   string `json:"kind"`
		Client struct {
			Version, GoVersion, Platform string
		} `json:"client"`
		Server struct {
			Version    string `json:"version"`
			BackupAPIs []struct {
				Group             string `json:"group"`
				Operator          string `json:"operator"`
				StatusSubresource bool   `json:"statusSubresource"`
			} `json:"backupAPIs"`
		} `json:"server"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if v.Kind != "Version" || v.Client.Version == "" || v.Client.GoVersion == "" || v.Client.Platform == "" {
		t.Errorf("client: %s", r.stdout)
	}
	if v.Server.Version != "v1.37.2" || len(v.Server.BackupAPIs) != 2 ||
		v.Server.BackupAPIs[0].Group != "pingcap.com" || v.Server.BackupAPIs[0].Operator != "v1" || v.Server.BackupAPIs[0].StatusSubresource ||
		v.Server.BackupAPIs[1].Group != "br.pingcap.com" || v.Server.BackupAPIs[1].Operator != "v2" || !v.Server.BackupAPIs[1].StatusSubresource {
		t.Errorf("server: %s", r.stdout)
	}

	// Without a cluster the build is still printed, then one error line.
	r = kubectl(t, []string{"KUBECONFIG=" + s.kubeconfig}, "logbackup", "version", "--client=false", "--server", "https://127.0.0.1:1")
	if r.code != 1 {
		t.Errorf("unreachable server: exit %d", r.code)
	}
	mustContain(t, r.stdout, "kubectl logbackup ", "Go version:")
	assertOneLineError(t, r.stderr, "cannot reach the Kubernetes API server at https://127.0.0.1:1")
}
