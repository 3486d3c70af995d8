// Package e2e runs the built kubectl-logbackup binary, as `kubectl
// logbackup`, against a real kube-apiserver and etcd, with a fake kubelet
// that serves pod logs through the API server.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// suite is what TestMain sets up once for every test in the package.
type suite struct {
	cluster    *cluster.Cluster
	env        *fixtures.Env
	seeded     *fixtures.Seeded
	dir        string // kubeconfigs and the PATH folder
	bin        string // kubectl-logbackup
	kubeconfig string // admin
}

// The one shared fixture of this package, set by TestMain before any test
// runs and read-only afterwards.
var s suite

func TestMain(m *testing.M) {
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code(m))
}

func setup() (_ func(*testing.M) int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "logbackup-e2e-")
	if err != nil {
		return nil, err
	}
	var c *cluster.Cluster
	// On any error below, leave nothing behind: no processes, no files.
	defer func() {
		if err != nil {
			if c != nil {
				c.Stop()
			}
			os.RemoveAll(dir)
		}
	}()
	bin, err := pluginBinary(ctx, dir)
	if err != nil {
		return nil, err
	}
	if c, err = cluster.Start(ctx, cluster.Options{}); err != nil {
		return nil, err
	}
	kube, err := kubernetes.NewForConfig(c.Admin)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(c.Admin)
	if err != nil {
		return nil, err
	}
	env := &fixtures.Env{Kube: kube, Dynamic: dyn, Kubelet: c.Kubelet, Node: c.NodeName, Now: time.Now()}
	seeded, err := fixtures.SeedDemo(ctx, env, 5000)
	if err != nil {
		return nil, fmt.Errorf("seeding: %w", err)
	}
	kubeconfig := filepath.Join(dir, "admin.kubeconfig")
	if err := c.WriteKubeconfig(kubeconfig, cluster.UserAdmin, ""); err != nil {
		return nil, err
	}
	s = suite{cluster: c, env: env, seeded: seeded, dir: dir, bin: bin, kubeconfig: kubeconfig}
	return func(m *testing.M) int {
		defer os.RemoveAll(dir)
		defer c.Stop()
		return m.Run()
	}, nil
}

// pluginBinary uses the binary `make` built (LOGBACKUP_BIN) or builds one,
// and puts it on a PATH folder as kubectl-logbackup next to kubectl.
func pluginBinary(ctx context.Context, dir string) (string, error) {
	pathDir := filepath.Join(dir, "path")
	if err := os.MkdirAll(pathDir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(pathDir, "kubectl-logbackup")
	if built := os.Getenv("LOGBACKUP_BIN"); built != "" {
		if err := os.Symlink(built, bin); err != nil {
			return "", err
		}
		return bin, nil
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/kubectl-logbackup")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the plugin: %v\n%s", err, out)
	}
	return bin, nil
}

// result of one command run.
type result struct {
	stdout, stderr string
	code           int
}

// plugin runs kubectl-logbackup with the admin kubeconfig unless args
// carry their own --kubeconfig.
func plugin(t *testing.T, args ...string) result {
	t.Helper()
	if !hasFlag(args, "--kubeconfig") {
		args = append([]string{"--kubeconfig", s.kubeconfig}, args...)
	}
	return execute(t, nil, s.bin, args...)
}

// kubectl runs the real kubectl (from the tools folder) with the plugin
// on PATH, the way a user calls it.
func kubectl(t *testing.T, env []string, args ...string) result {
	t.Helper()
	tools := os.Getenv(cluster.ToolsDirEnv)
	path := filepath.Dir(s.bin) + string(os.PathListSeparator) + tools + string(os.PathListSeparator) + os.Getenv("PATH")
	return execute(t, append(env, "PATH="+path), filepath.Join(tools, "kubectl"), args...)
}

func execute(t *testing.T, env []string, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(append(os.Environ(), "NO_COLOR="), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s %s: %v", bin, strings.Join(args, " "), err)
	}
	return r
}

func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}
