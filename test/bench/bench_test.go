// Package bench measures `kubectl logbackup investigate` against the
// seed's runbook with its errors fixed, on a real control plane holding
// 2,000 events in the backup's namespace and a 100,000-line controller log.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/gather"
	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

const (
	controllerLines = 100_000
	noiseEvents     = 2_000
	// The target: investigate takes at most a third of the runbook's time.
	maxRatio = 1.0 / 3
)

func BenchmarkInvestigateVsFixedRunbook(b *testing.B) {
	bin := os.Getenv("LOGBACKUP_BIN")
	if bin == "" {
		b.Fatal("LOGBACKUP_BIN is not set: run `make bench`, which builds the plugin")
	}
	ctx := context.Background()
	c, err := cluster.Start(ctx, cluster.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Stop()
	cfg := rest.CopyConfig(c.Admin)
	cfg.QPS, cfg.Burst = 1000, 1000
	kube := kubernetes.NewForConfigOrDie(cfg)
	env := &fixtures.Env{Kube: kube, Dynamic: dynamic.NewForConfigOrDie(cfg), Kubelet: c.Kubelet, Node: c.NodeName, Now: time.Now()}
	if _, err := fixtures.SeedDemo(ctx, env, controllerLines); err != nil {
		b.Fatal(err)
	}
	if err := seedNoiseEvents(ctx, kube, fixtures.NSv1, noiseEvents); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := c.WriteKubeconfig(kubeconfig, cluster.UserAdmin, ""); err != nil {
		b.Fatal(err)
	}
	tools := os.Getenv(cluster.ToolsDirEnv)
	envv := append(os.Environ(), "KUBECONFIG="+kubeconfig, "PATH="+tools+":"+os.Getenv("PATH"), "NO_COLOR=1")
	script, _ := filepath.Abs("runbook-fixed.sh")
	investigate := []string{bin, "investigate", fixtures.NSv1 + "/" + fixtures.Nightly, "--controller-namespace", fixtures.ControllerNamespace}
	runbook := []string{"bash", script, fixtures.NSv1, fixtures.Nightly, fixtures.ControllerNamespace, gather.ControllerSelectorV1}

	// Both must find the same controller lines, or the comparison is moot.
	out, _ := run(b, envv, investigate)
	rb, _ := run(b, envv, runbook)
	if !strings.Contains(out, "exceed retry times, max is 2, failed reason Job backup-nightly has failed") || !strings.Contains(rb, "exceed retry times, max is 2, failed reason Job backup-nightly has failed") {
		b.Fatalf("the two do not show the same facts\n--- investigate ---\n%s\n--- runbook ---\n%s", out, rb)
	}

	var tInv, tRun time.Duration
	var maxRSS int64
	b.ResetTimer()
	for b.Loop() {
		_, usage := run(b, envv, investigate)
		tInv += usage.wall
		maxRSS = max(maxRSS, usage.maxRSSKiB)
		_, usage = run(b, envv, runbook)
		tRun += usage.wall
	}
	b.StopTimer()
	n := float64(b.N)
	ratio := tInv.Seconds() / tRun.Seconds()
	b.ReportMetric(float64(tInv.Milliseconds())/n, "investigate-ms/op")
	b.ReportMetric(float64(tRun.Milliseconds())/n, "runbook-ms/op")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(float64(maxRSS)/1024, "investigate-maxrss-MiB")
	if ratio > maxRatio {
		b.Errorf("investigate took %.2f of the fixed runbook's time; the target is at most %.2f", ratio, maxRatio)
	}
}

type usage struct {
	wall      time.Duration
	maxRSSKiB int64
}

func run(b *testing.B, env, argv []string) (string, usage) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, errOut.String())
	}
	u := usage{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		u.maxRSSKiB = ru.Maxrss
	}
	return out.String(), u
}

// seedNoiseEvents fills the namespace with events about other objects,
// the way a busy namespace looks.
func seedNoiseEvents(ctx context.Context, kube kubernetes.Interface, ns string, n int) error {
	sem := make(chan struct{}, 16)
	errs := make(chan error, n)
	for i := range n {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			t := metav1.NewTime(time.Now().Add(-time.Duration(i) * time.Second))
			_, err := kube.CoreV1().Events(ns).Create(ctx, &corev1.Event{
				ObjectMeta:     metav1.ObjectMeta{GenerateName: "noise.", Namespace: ns},
				InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: fmt.Sprintf("app-%d", i%300), Namespace: ns, UID: "noise"},
				Type:           "Normal", Reason: "Pulled", Message: "Container image already present on machine",
				FirstTimestamp: t, LastTimestamp: t, Count: 1,
			}, metav1.CreateOptions{})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}
