package bench

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// benchCluster is a control plane with the plugin and kubectl pointed at
// it, as a user would run them.
type benchCluster struct {
	c    *cluster.Cluster
	env  *fixtures.Env
	kube kubernetes.Interface
	// environ runs the commands: the kubeconfig, kubectl on PATH, no colour.
	environ    []string
	kubeconfig string
	bin        string // the plugin
	kubectl    string
	// cacheDir is kubectl's discovery cache, warmed by the first call, as
	// on any machine where kubectl has run before.
	cacheDir string
	// rssrun starts each timed command, so its peak RSS is its own
	// (rssrun/main.go says why the benchmark cannot read it directly).
	rssrun string
}

func startBenchCluster(b *testing.B) *benchCluster {
	b.Helper()
	bin := os.Getenv("LOGBACKUP_BIN")
	if bin == "" {
		b.Fatal("LOGBACKUP_BIN is not set: run `make bench`, which builds the plugin")
	}
	tools := os.Getenv(cluster.ToolsDirEnv)
	if tools == "" {
		b.Fatalf("%s is not set: run `make bench`, which builds kubectl and the control plane", cluster.ToolsDirEnv)
	}
	c, err := cluster.Start(context.Background(), cluster.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Stop)
	cfg := rest.CopyConfig(c.Admin)
	cfg.QPS, cfg.Burst = -1, 0 // no client-side throttling: seeding bounds its own concurrency
	kube := kubernetes.NewForConfigOrDie(cfg)
	dir := b.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := c.WriteKubeconfig(kubeconfig, cluster.UserAdmin, ""); err != nil {
		b.Fatal(err)
	}
	rssrun := filepath.Join(dir, "rssrun")
	if out, err := exec.Command("go", "build", "-o", rssrun, "./rssrun").CombinedOutput(); err != nil {
		b.Fatalf("building rssrun: %v\n%s", err, out)
	}
	return &benchCluster{
		rssrun:     rssrun,
		c:          c,
		env:        &fixtures.Env{Kube: kube, Dynamic: dynamic.NewForConfigOrDie(cfg), Kubelet: c.Kubelet, Node: c.NodeName, Now: time.Now()},
		kube:       kube,
		environ:    append(os.Environ(), "KUBECONFIG="+kubeconfig, "PATH="+tools+":"+os.Getenv("PATH"), "NO_COLOR=1"),
		kubeconfig: kubeconfig,
		bin:        bin,
		kubectl:    filepath.Join(tools, "kubectl"),
		cacheDir:   filepath.Join(dir, "kube-cache"),
	}
}

// kubectlArgv is kubectl with its discovery cache in the benchmark's folder.
func (bc *benchCluster) kubectlArgv(args ...string) []string {
	return append([]string{bc.kubectl, "--cache-dir", bc.cacheDir}, args...)
}

type usage struct {
	wall      time.Duration
	maxRSSKiB int64
}

// run runs argv and returns its standard output; a failure ends the
// benchmark, since a command that fails fast would look fast.
func (bc *benchCluster) run(b *testing.B, argv []string) (string, usage) {
	b.Helper()
	var out bytes.Buffer
	u := bc.runTo(b, argv, &out)
	return out.String(), u
}

// runDiscard runs argv with its output to /dev/null, so the timing holds
// no copying into this process.
func (bc *benchCluster) runDiscard(b *testing.B, argv []string) usage {
	b.Helper()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer null.Close()
	return bc.runTo(b, argv, null)
}

// runTo runs argv with its output to stdout; an *os.File is handed to the
// child as is, with no copying through this process.
func (bc *benchCluster) runTo(b *testing.B, argv []string, stdout io.Writer) usage {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rssFile := filepath.Join(b.TempDir(), "maxrss")
	cmd := exec.CommandContext(ctx, bc.rssrun, append([]string{rssFile}, argv...)...)
	cmd.Env = bc.environ
	var errOut bytes.Buffer
	cmd.Stdout = stdout
	cmd.Stderr = &errOut
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, errOut.String())
	}
	u := usage{wall: time.Since(start)}
	raw, err := os.ReadFile(rssFile)
	if err != nil {
		b.Fatal(err)
	}
	if u.maxRSSKiB, err = strconv.ParseInt(string(raw), 10, 64); err != nil {
		b.Fatalf("rssrun wrote %q: %v", raw, err)
	}
	return u
}

// median of the samples: robust to the odd run that another engineer's
// tests slowed down on a shared machine.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
