// Package bench measures the plugin on a real control plane:
// `investigate` against the seed's runbook with its errors fixed and
// against one `kubectl get` (2,000 events in the backup's namespace, a
// 100,000-line controller log), and `status -A` against kubectl's list of
// both groups on a fleet of 1,000 and 10,000 backups.
package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/gather"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

const (
	controllerLines = 100_000
	noiseEvents     = 2_000
	// The target: investigate takes at most a third of the runbook's time.
	maxRatio = 1.0 / 3
)

func BenchmarkInvestigateVsFixedRunbook(b *testing.B) {
	bc := startDemoCluster(b)
	script, _ := filepath.Abs("runbook-fixed.sh")
	investigate := bc.investigateArgv()
	runbook := []string{"bash", script, fixtures.NSv1, fixtures.Nightly, fixtures.ControllerNamespace, gather.ControllerSelectorV1}

	// Both must find the same controller lines, or the comparison is moot.
	out, _ := bc.run(b, investigate)
	rb, _ := bc.run(b, runbook)
	if !strings.Contains(out, "exceed retry times, max is 2, failed reason Job backup-nightly has failed") || !strings.Contains(rb, "exceed retry times, max is 2, failed reason Job backup-nightly has failed") {
		b.Fatalf("the two do not show the same facts\n--- investigate ---\n%s\n--- runbook ---\n%s", out, rb)
	}

	var tInv, tRun time.Duration
	var maxRSS int64
	b.ResetTimer()
	for b.Loop() {
		_, usage := bc.run(b, investigate)
		tInv += usage.wall
		maxRSS = max(maxRSS, usage.maxRSSKiB)
		_, usage = bc.run(b, runbook)
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

// startDemoCluster is the investigate benchmarks' cluster: every demo
// scenario, a 100,000-line controller log and 2,000 events of other
// objects in the backup's namespace.
func startDemoCluster(b *testing.B) *benchCluster {
	b.Helper()
	bc := startBenchCluster(b)
	ctx := context.Background()
	if _, err := fixtures.SeedDemo(ctx, bc.env, controllerLines); err != nil {
		b.Fatal(err)
	}
	if err := seedNoiseEvents(ctx, bc.kube, fixtures.NSv1, noiseEvents); err != nil {
		b.Fatal(err)
	}
	return bc
}

func (bc *benchCluster) investigateArgv() []string {
	return []string{bc.bin, "investigate", fixtures.NSv1 + "/" + fixtures.Nightly, "--controller-namespace", fixtures.ControllerNamespace}
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
