package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/logbackup/kubectl-logbackup/test/cluster"
)

// Completion directives, as cobra prints them (":4" is NoFileComp).
const (
	dirNoFile        = ":4"
	dirNoFileNoSpace = ":6"
	dirFailed        = ":5" // Error | NoFileComp
)

// completionKubeconfig is the admin kubeconfig with two more contexts on
// the same cluster ("second", namespace tidb-v2) and one whose server
// answers nothing ("unreachable"); the current context's namespace is tidb.
func completionKubeconfig(t *testing.T) string {
	t.Helper()
	path := kubeconfigFor(t, cluster.UserAdmin, "tidb")
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cur := cfg.Contexts[cfg.CurrentContext]
	cfg.Contexts["second"] = &clientcmdapi.Context{Cluster: cur.Cluster, AuthInfo: cur.AuthInfo, Namespace: "tidb-v2"}
	cfg.Clusters["nowhere"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:1"}
	cfg.Contexts["unreachable"] = &clientcmdapi.Context{Cluster: "nowhere", AuthInfo: cur.AuthInfo}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// completeVia runs the built binary's __complete as a shell script does and
// splits its stdout into candidates and the directive line.
func completeVia(t *testing.T, kc string, args ...string) (cands []string, directive string) {
	t.Helper()
	r := execute(t, nil, s.bin, append([]string{"__complete", "--kubeconfig", kc}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %q: exit %d: %s", args, r.code, r.stderr)
	}
	return splitCompletion(t, r.stdout)
}

func splitCompletion(t *testing.T, stdout string) ([]string, string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, ":") {
		t.Fatalf("no directive line in %q", stdout)
	}
	return lines[:len(lines)-1], last
}

func TestCompletionThroughComplete(t *testing.T) {
	kc := completionKubeconfig(t)
	tests := []struct {
		name      string
		args      []string
		want      []string // all must be offered
		not       []string // none may be
		directive string
	}{
		{"names of the current namespace and NS/ prefixes", []string{"investigate", ""},
			[]string{"nightly", "waiting", "logstream", "tidb/", "tidb-v2/", "shared/"}, []string{"daily", "tidb/nightly"}, dirNoFileNoSpace},
		{"NS/NAME of operator v2", []string{"investigate", "tidb-v2/"}, []string{"tidb-v2/daily", "tidb-v2/pitr"}, []string{"tidb/nightly", "daily"}, dirNoFile},
		{"NS/NAME, a name in both groups once", []string{"investigate", "shared/b"}, []string{"shared/both"}, nil, dirNoFile},
		{"-n NS form", []string{"investigate", "-n", "tidb-v2", "p"}, []string{"pitr"}, []string{"daily", "tidb-v2/"}, dirNoFile},
		{"--api-group limits the groups", []string{"investigate", "--api-group", "br.pingcap.com", ""}, []string{"tidb/"}, []string{"nightly", "waiting"}, dirNoFileNoSpace},
		{"--context picks its namespace", []string{"--context", "second", "investigate", "da"}, []string{"daily"}, []string{"nightly", "pitr"}, dirNoFile},
		{"nothing after the one backup", []string{"investigate", "tidb/nightly", ""}, nil, []string{"nightly", "tidb/"}, dirNoFile},
		{"reset-retries: each backup, those given left out", []string{"reset-retries", "tidb/nightly", "tidb/"}, []string{"tidb/waiting"}, []string{"tidb/nightly"}, dirNoFile},
		{"reset-retries --all takes no names", []string{"reset-retries", "--all", ""}, nil, []string{"nightly"}, dirNoFile},
		{"namespaces for -n", []string{"investigate", "-n", "ti"}, []string{"tidb", "tidb-v2"}, []string{"shared", "tidb/"}, dirNoFile},
		{"contexts for --context", []string{"investigate", "--context", ""}, []string{cluster.KubeconfigContext, "second", "unreachable"}, nil, dirNoFile},
		{"-o values", []string{"investigate", "-o", ""}, []string{"json", "yaml"}, nil, dirNoFile},
		{"--api-group values", []string{"reset-retries", "--api-group", ""}, []string{"pingcap.com", "br.pingcap.com"}, nil, dirNoFile},
		{"--dry-run values", []string{"reset-retries", "--dry-run", ""}, []string{"none", "client", "server"}, nil, dirNoFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, dir := completeVia(t, kc, tt.args...)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("%q not offered: %q", w, got)
				}
			}
			for _, n := range tt.not {
				if slices.Contains(got, n) {
					t.Errorf("%q offered: %q", n, got)
				}
			}
			if tt.want == nil && len(got) != 0 {
				t.Errorf("offered %q, want nothing", got)
			}
			if dir != tt.directive {
				t.Errorf("directive %s, want %s", dir, tt.directive)
			}
		})
	}
}

// An unreachable API server: no candidates, no error text on stdout, exit
// 0, and the shell told not to fall back to file names, within seconds.
func TestCompletionUnreachableServer(t *testing.T) {
	kc := completionKubeconfig(t)
	for _, args := range [][]string{
		{"--context", "unreachable", "investigate", ""},
		{"--context", "unreachable", "investigate", "-n", ""},
		{"--context", "unreachable", "--request-timeout", "1s", "reset-retries", "tidb/"},
	} {
		start := time.Now()
		r := execute(t, nil, s.bin, append([]string{"__complete", "--kubeconfig", kc}, args...)...)
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%q took %s", args, took)
		}
		if r.code != 0 || r.stdout != dirFailed+"\n" {
			t.Errorf("%q: exit %d, stdout %q; want exit 0 and only %q", args, r.code, r.stdout, dirFailed)
		}
		mustNotContain(t, r.stderr, "refused", "127.0.0.1", "Warning")
	}
}

// kubectl (1.26+) completes a plugin's arguments by running
// kubectl_complete-<plugin> from PATH; the one-line script a user installs
// for that execs the plugin's __complete.
func TestCompletionThroughKubectl(t *testing.T) {
	kc := completionKubeconfig(t)
	dir := t.TempDir()
	script := "#!/bin/sh\nexec kubectl-logbackup __complete \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "kubectl_complete-logbackup"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	tools := os.Getenv(cluster.ToolsDirEnv)
	path := strings.Join([]string{dir, filepath.Dir(s.bin), tools, os.Getenv("PATH")}, string(os.PathListSeparator))
	r := execute(t, []string{"PATH=" + path, "KUBECONFIG=" + kc}, filepath.Join(tools, "kubectl"), "__complete", "logbackup", "investigate", "tidb-v2/")
	if r.code != 0 {
		t.Fatalf("kubectl __complete: exit %d: %s", r.code, r.stderr)
	}
	got, directive := splitCompletion(t, r.stdout)
	if !slices.Contains(got, "tidb-v2/daily") || !slices.Contains(got, "tidb-v2/pitr") || directive != dirNoFile {
		t.Errorf("through kubectl: %q %s", got, directive)
	}
}

// `kubectl logbackup completion bash` (run through kubectl) writes a
// script for the command a shell sees: the binary, kubectl-logbackup.
func TestCompletionScriptNamesTheBinary(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "complete -o default -F __start_kubectl-logbackup kubectl-logbackup",
		"zsh":  "#compdef kubectl-logbackup",
	} {
		r := kubectl(t, nil, "logbackup", "completion", shell)
		if r.code != 0 {
			t.Fatalf("completion %s: exit %d: %s", shell, r.code, r.stderr)
		}
		mustContain(t, r.stdout, want)
	}
}
