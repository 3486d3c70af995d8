package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// The practical floor of investigate is one process start and one round
// trip: `kubectl get` of the backup, with kubectl's discovery cache warm.
// Issue 9 aims at 1.25 times the floor; the benchmark reports the ratio
// against that target but fails only above 1.5, so that the noise of a
// shared two-core machine (one slow run moves a 100 ms figure by 10%)
// does not break `make bench` while a real regression still does.
const (
	floorTarget = 1.25
	floorLimit  = 1.5
)

func BenchmarkInvestigateVsGet(b *testing.B) {
	bc := startDemoCluster(b)
	investigate := bc.investigateArgv()
	get := bc.kubectlArgv("get", "backups.pingcap.com", fixtures.Nightly, "-n", fixtures.NSv1, "-o", "json")

	// Warm-up, and proof that both read the backup: the first kubectl
	// call also fills the discovery cache, as on any machine in use.
	out, _ := run(b, bc.environ, investigate)
	raw, _ := run(b, bc.environ, get)
	if !strings.Contains(out, "Backup tidb/nightly") || !strings.Contains(raw, `"name": "nightly"`) {
		b.Fatalf("the two did not read the backup\n--- investigate ---\n%s\n--- kubectl ---\n%s", out, raw)
	}

	var tInv, tGet []time.Duration
	var maxRSS int64
	round := 0
	for b.Loop() {
		// Alternate which goes first, so neither always runs on a cache
		// the other just warmed.
		inv := func() {
			u := runDiscard(b, bc.environ, investigate)
			tInv, maxRSS = append(tInv, u.wall), max(maxRSS, u.maxRSSKiB)
		}
		floor := func() { tGet = append(tGet, runDiscard(b, bc.environ, get).wall) }
		if round%2 == 0 {
			inv()
			floor()
		} else {
			floor()
			inv()
		}
		round++
	}
	mInv, mGet := median(tInv), median(tGet)
	ratio := mInv.Seconds() / mGet.Seconds()
	b.ReportMetric(ms(mInv), "investigate-ms")
	b.ReportMetric(ms(mGet), "kubectl-get-ms")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(float64(maxRSS)/1024, "investigate-maxrss-MiB")
	b.Logf("investigate median %v, kubectl get median %v over %d rounds: %.2fx the floor (target %.2f, limit %.2f)", mInv, mGet, round, ratio, floorTarget, floorLimit)
	if ratio > floorLimit {
		b.Errorf("investigate took %.2fx one `kubectl get` of the backup; the target is %.2fx and the limit %.2fx", ratio, floorTarget, floorLimit)
	}
}
