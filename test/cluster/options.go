package cluster

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ToolsDirEnv names the environment variable that the Makefile exports with
// the folder holding the etcd and kube-apiserver binaries.
const ToolsDirEnv = "LOGBACKUP_TOOLS_DIR"

// Options configures Start. The zero value is ready to use under `make`.
type Options struct {
	// ToolsDir holds the etcd and kube-apiserver binaries. Default: the
	// LOGBACKUP_TOOLS_DIR environment variable. Missing binaries are an
	// error (never a skip): an end-to-end test that silently does not run
	// is worse than one that fails.
	ToolsDir string
	// WorkDir receives certificates, etcd's data, the token file, logs and
	// kubeconfigs. Default: a new temporary folder, removed by Stop.
	WorkDir string
	// Log receives etcd's and kube-apiserver's output, each line prefixed
	// with the binary's name. Default: etcd.log and kube-apiserver.log in
	// WorkDir. Either way, Start's errors quote the last lines.
	Log io.Writer
	// KeepWorkDir keeps a temporary WorkDir after Stop, to read its logs.
	KeepWorkDir bool
	// StartTimeout bounds Start (unless ctx ends first). Default: 2 minutes,
	// generous because parallel test packages share two cores.
	StartTimeout time.Duration
	// WithoutCRDs starts a cluster that serves no Backup API, as one
	// without TiDB Operator does.
	WithoutCRDs bool
	// APIServerArgs are added to kube-apiserver's flags, e.g. a short
	// --etcd-compaction-interval for a test of an expired resourceVersion.
	APIServerArgs []string
}

const (
	etcdBinary      = "etcd"
	apiserverBinary = "kube-apiserver"
)

// findTools returns the paths of the etcd and kube-apiserver binaries, or an
// error that says how to get them.
func findTools(dir string) (etcd, apiserver string, err error) {
	const howTo = "run `make tools` to build etcd and kube-apiserver (or run the tests through `make e2e`, which builds them and exports " + ToolsDirEnv + ")"
	if dir == "" {
		dir = os.Getenv(ToolsDirEnv)
	}
	if dir == "" {
		return "", "", fmt.Errorf("test cluster: %s is not set and Options.ToolsDir is empty: %s", ToolsDirEnv, howTo)
	}
	var paths []string
	for _, name := range []string{etcdBinary, apiserverBinary} {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			return "", "", fmt.Errorf("test cluster: %s not found in %s (%v): %s", name, dir, err, howTo)
		case fi.IsDir() || fi.Mode()&0o111 == 0:
			return "", "", fmt.Errorf("test cluster: %s is not an executable file: %s", p, howTo)
		}
		paths = append(paths, p)
	}
	return paths[0], paths[1], nil
}
