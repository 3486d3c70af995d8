// Package krew installs the plugin with the real krew, as a user does, from
// krew-manifest.yaml rendered for archives built here: krew's own manifest
// validation, `krew install --manifest --archive`, this repository as a
// custom index (`krew index add`, then `krew install logbackup/logbackup`
// from archives served on loopback), `kubectl logbackup version` and
// completion through the real kubectl, and `krew uninstall`.
//
// `make test` builds the host's archive from the plugin it built, in the
// layout of .goreleaser.yaml (which a test here checks); `make
// release-snapshot` points LOGBACKUP_RELEASE_DIST at goreleaser's dist/ and
// every platform's archive is installed (the host's is also run).
package krew

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const (
	plugin       = "logbackup"
	repoRoot     = "../.."
	templateFile = repoRoot + "/krew-manifest.yaml"
	indexFile    = repoRoot + "/plugins/" + plugin + ".yaml"
	// releaseURL is where krew-manifest.yaml says the archives are.
	releaseURL = "https://github.com/logbackup/kubectl-logbackup/releases/download/"
)

// tools are the binaries the test runs, all required: a missing one is a
// failure that says how to get it, never a skip.
type tools struct {
	krew, validate, kubectl, plugin string
}

func needTools(t *testing.T) tools {
	t.Helper()
	krewDir, toolsDir := os.Getenv("LOGBACKUP_KREW_DIR"), os.Getenv("LOGBACKUP_TOOLS_DIR")
	if krewDir == "" || toolsDir == "" {
		t.Fatal("LOGBACKUP_KREW_DIR or LOGBACKUP_TOOLS_DIR is not set: run the tests through `make test`, which builds krew and kubectl and exports them")
	}
	tl := tools{
		krew:     filepath.Join(krewDir, "krew"),
		validate: filepath.Join(krewDir, "validate-krew-manifest"),
		kubectl:  filepath.Join(toolsDir, "kubectl"),
		plugin:   os.Getenv("LOGBACKUP_BIN"),
	}
	for _, p := range []string{tl.krew, tl.validate, tl.kubectl} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%v: run `make krew-tools tools` to build it", err)
		}
	}
	if tl.plugin == "" {
		tl.plugin = filepath.Join(t.TempDir(), "kubectl-logbackup")
		build := exec.Command("go", "build", "-o", tl.plugin, "./cmd/kubectl-logbackup")
		build.Dir = repoRoot
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building the plugin: %v\n%s", err, out)
		}
	}
	return tl
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs bin with env added to a small environment of its own (no
// KUBECONFIG or KREW_ROOT of the person running the tests leaks in).
func run(t *testing.T, env []string, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"HOME=" + os.Getenv("HOME"), "KREW_NO_UPGRADE_CHECK=1", "NO_COLOR=1",
		"KUBECONFIG=" + filepath.Join(t.TempDir(), "no-kubeconfig")}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	if testing.Verbose() {
		t.Logf("%s %s: %s", filepath.Base(bin), strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	}
	r := result{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s %s: %v", bin, strings.Join(args, " "), err)
	}
	return r
}

func mustRun(t *testing.T, env []string, bin string, args ...string) result {
	t.Helper()
	r := run(t, env, bin, args...)
	if r.code != 0 {
		t.Fatalf("%s %s: exit %d\nstdout: %s\nstderr: %s", filepath.Base(bin), strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// krewEnv is a krew of its own under root, with root's bin and kubectl's
// folder on PATH, for the platform goos/goarch.
func krewEnv(root, kubectlDir, goos, goarch string) []string {
	return []string{
		"KREW_ROOT=" + root,
		"KREW_OS=" + goos, "KREW_ARCH=" + goarch,
		"PATH=" + strings.Join([]string{filepath.Join(root, "bin"), kubectlDir, "/usr/bin", "/bin"}, string(os.PathListSeparator)),
	}
}

func host() (string, string) { return runtime.GOOS, runtime.GOARCH }
