package monitoringtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	monitoringcmd "github.com/logbackup/kubectl-logbackup/pkg/cmd/monitoring"
	"github.com/logbackup/kubectl-logbackup/test/promserver"
)

// tool returns the path of a required tool (promtool, amtool, prometheus):
// with LOGBACKUP_MONITORING_TOOLS_DIR set, as make sets it, the one that
// make monitoring-tools built there, else the one on PATH. A missing tool
// fails the test, with one line that names make monitoring-tools.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := promserver.Tool(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// run runs a tool with a timeout and returns its combined output.
func run(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool(t, name), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustRun is run that fails the test when the tool fails.
func mustRun(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	out, err := run(t, dir, name, args...)
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return out
}

// plugin runs "kubectl logbackup monitoring ARGS" through the command's
// constructor, with test streams, and returns what it printed.
func plugin(t *testing.T, args ...string) []byte {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd := monitoringcmd.NewCmd(streams)
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("kubectl logbackup monitoring %v: %v", args, err)
	}
	if errOut.Len() != 0 {
		t.Fatalf("kubectl logbackup monitoring %v wrote to stderr: %s", args, errOut)
	}
	return bytes.Clone(out.Bytes())
}

// sameBytes fails unless the command printed exactly what the render
// function returns.
func sameBytes(t *testing.T, what string, printed, rendered []byte, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !bytes.Equal(printed, rendered) {
		t.Fatalf("%s: the command printed %d bytes that differ from the %d rendered bytes", what, len(printed), len(rendered))
	}
}

// writeFile writes a file into dir and returns its path.
func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sourceDir is the monitoring package's directory (its testdata lives there).
func sourceDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot find the test's source directory")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "monitoring")
}
