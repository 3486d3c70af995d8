package version

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/buildinfo"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdtest"
)

var build = buildinfo.Info{Version: "v1.2.3", Commit: "0123abc", BuildDate: "2026-11-30T10:00:00Z", GoVersion: "go1.26.8", Platform: "linux/arm64"}

// fakeServer answers /version with gitVersion and serves the groups given
// (v2 with the status subresource).
func fakeServer(t *testing.T, gitVersion string, groups ...string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/version":
			json.NewEncoder(w).Encode(map[string]string{"gitVersion": gitVersion, "platform": "linux/amd64"})
			return
		case "/apis/pingcap.com/v1alpha1", "/apis/br.pingcap.com/v1alpha1":
			group := strings.Split(r.URL.Path, "/")[2]
			for _, g := range groups {
				if g == group {
					res := []map[string]any{{"name": "backups", "namespaced": true, "kind": "Backup", "verbs": []string{"get"}}}
					if g == "br.pingcap.com" {
						res = append(res, map[string]any{"name": "backups/status", "namespaced": true, "kind": "Backup", "verbs": []string{"patch"}})
					}
					json.NewEncoder(w).Encode(map[string]any{"kind": "APIResourceList", "groupVersion": g + "/v1alpha1", "resources": res})
					return
				}
			}
		}
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// run parses args into Options with a fixed build (a test binary has no
// stamped one), then completes and runs them as the command does.
func run(t *testing.T, server string, args ...string) (stdout string, err error) {
	t.Helper()
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	flags := genericclioptions.NewConfigFlags(false)
	if server != "" {
		kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
		if err := os.WriteFile(kubeconfig, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		flags.APIServer, flags.KubeConfig = &server, &kubeconfig
	}
	o := NewOptions(flags, streams)
	o.Build = build
	cmd := &cobra.Command{}
	o.AddFlags(cmd)
	flags.AddFlags(cmd.Flags())
	if err := cmd.ParseFlags(args); err != nil {
		return "", err
	}
	if err := o.Complete(); err != nil {
		return "", err
	}
	err = o.Run(context.Background())
	return out.String(), err
}

func TestClientOnlyReadsNothing(t *testing.T) {
	out, err := run(t, "")
	if err != nil {
		t.Fatal(err)
	}
	want := `kubectl logbackup v1.2.3
  Commit:      0123abc
  Build date:  2026-11-30T10:00:00Z
  Go version:  go1.26.8
  Platform:    linux/arm64
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestServer(t *testing.T) {
	url := fakeServer(t, "v1.37.2", "pingcap.com", "br.pingcap.com")
	out, err := run(t, url, "--client=false")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Kubernetes API server at " + url + "\n",
		"  Version:     v1.37.2\n",
		"  Backup APIs: pingcap.com/v1alpha1 (operator v1), br.pingcap.com/v1alpha1 (operator v2, status subresource)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%q not in\n%s", want, out)
		}
	}

	out, err = run(t, url, "--client=false", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var v Version
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Kind != Kind || v.Client != build || v.Server == nil || v.Server.Version != "v1.37.2" || len(v.Server.BackupAPIs) != 2 ||
		v.Server.BackupAPIs[1] != (BackupAPI{Group: "br.pingcap.com", Version: "v1alpha1", Operator: "v2", StatusSubresource: true}) {
		t.Errorf("json: %+v %+v", v, v.Server)
	}
}

// Neither operator installed is an answer, not an error.
func TestServerWithoutOperator(t *testing.T) {
	url := fakeServer(t, "v1.37.2")
	out, err := run(t, url, "--client=false")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Backup APIs: none: neither pingcap.com/v1alpha1 nor br.pingcap.com/v1alpha1 serves backups; is TiDB Operator installed?") {
		t.Errorf("got\n%s", out)
	}
	out, _ = run(t, url, "--client=false", "-o", "json")
	if !strings.Contains(out, `"backupAPIs": []`) {
		t.Errorf("json: %s", out)
	}
}

// The server's version is untrusted: escapes are drawn, not sent.
func TestServerTextIsEscaped(t *testing.T) {
	url := fakeServer(t, "v1\x1b[2J\u202e")
	out, err := run(t, url, "--client=false")
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out, "\x1b\u202e") || !strings.Contains(out, `v1\x1b[2J\u202e`) {
		t.Errorf("not escaped: %q", out)
	}
}

// An unreachable server: this build is still printed, the error says what
// to do, and with -o json the server section holds it.
func TestServerUnreachable(t *testing.T) {
	out, err := run(t, "https://127.0.0.1:1", "--client=false", "--request-timeout=2s")
	if err == nil || !strings.Contains(err.Error(), "cannot reach the Kubernetes API server at https://127.0.0.1:1") {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasPrefix(out, "kubectl logbackup v1.2.3\n") {
		t.Errorf("build not printed first:\n%s", out)
	}
	out, _ = run(t, "https://127.0.0.1:1", "--client=false", "-o", "yaml")
	if !strings.Contains(out, `error: "cannot reach`) || !strings.Contains(out, "version: v1.2.3") {
		t.Errorf("yaml:\n%s", out)
	}
}

func TestFlags(t *testing.T) {
	cmdtest.CheckFlags(t, NewCmd, cmdtest.FlagCases{
		"default":      {nil, ""},
		"client false": {[]string{"--client=false"}, ""},
		"json":         {[]string{"-o", "json"}, ""},
		"bad output":   {[]string{"-o", "xml"}, "must be one of json, yaml"},
	})
}
