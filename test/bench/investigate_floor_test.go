package bench

import (
	"os"
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
	out, _ := bc.run(b, investigate)
	raw, _ := bc.run(b, get)
	if !strings.Contains(out, "Backup tidb/nightly") || !strings.Contains(raw, `"name": "nightly"`) {
		b.Fatalf("the two did not read the backup\n--- investigate ---\n%s\n--- kubectl ---\n%s", out, raw)
	}

	// LOGBACKUP_BIN_BASE, when set, is another build of the plugin (say,
	// of the base commit) timed in the same rounds: on a shared machine
	// only a comparison within one run says whether a change helped.
	base := os.Getenv("LOGBACKUP_BIN_BASE")
	cmds := [][]string{investigate, get}
	if base != "" {
		cmds = append(cmds, append([]string{base}, investigate[1:]...))
	}
	times := make([][]time.Duration, len(cmds))
	var maxRSS int64
	round := 0
	for b.Loop() {
		// Rotate the order, so none always runs first or last.
		for k := range cmds {
			i := (k + round) % len(cmds)
			u := bc.runDiscard(b, cmds[i])
			times[i] = append(times[i], u.wall)
			if i == 0 {
				maxRSS = max(maxRSS, u.maxRSSKiB)
			}
		}
		round++
	}
	if base != "" {
		mBase := median(times[2])
		b.ReportMetric(ms(mBase), "base-investigate-ms")
		b.ReportMetric(mBase.Seconds()/median(times[1]).Seconds(), "base-ratio")
	}
	mInv, mGet := median(times[0]), median(times[1])
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
