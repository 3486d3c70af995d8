package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The targets of issue 9 for `status -A` on 10,000 backups: at most the
// wall time of kubectl's list of both groups, and under 100 MB peak RSS.
// Both are checked at every size, so a benchmark that misses them fails.
const (
	statusMaxRatio  = 1.0
	statusMaxRSSMiB = 100
)

// fleetSizes are measured in this order on one cluster, which grows.
var fleetSizes = []int{1_000, 10_000}

// BenchmarkStatusVsKubectl seeds a fleet on one control plane and, at each
// size, runs `kubectl get backups.pingcap.com,backups.br.pingcap.com -A -o
// json`, `kubectl logbackup status -A` and `status -A -o json` in turn, once
// per iteration (-benchtime 5x: five rounds), each with its output to
// /dev/null. It reports the median wall times, the ratios to kubectl and
// the plugin's peak RSS.
func BenchmarkStatusVsKubectl(b *testing.B) {
	bc := startBenchCluster(b)
	ctx := context.Background()
	seeded := 0
	for _, n := range fleetSizes {
		// Seeding happens in the sub-benchmark, so that one left out by
		// -bench costs nothing; the next one seeds what it skipped.
		b.Run(fmt.Sprintf("backups=%d", n), func(b *testing.B) {
			began := time.Now()
			if err := seedFleet(ctx, bc.env, seeded, n); err != nil {
				b.Fatalf("seeding backups %d to %d: %v", seeded, n, err)
			}
			seedTime := time.Since(began)
			b.Logf("seeded backups %d to %d in %v (%.0f backups/s)", seeded, n, seedTime.Round(time.Millisecond), float64(n-seeded)/seedTime.Seconds())
			seeded = n
			b.ReportMetric(seedTime.Seconds(), "seed-s")
			benchStatus(b, bc, n)
		})
	}
}

func benchStatus(b *testing.B, bc *benchCluster, n int) {
	kubectl := bc.kubectlArgv("get", "backups.pingcap.com,backups.br.pingcap.com", "-A", "-o", "json")
	status := []string{bc.bin, "status", "-A"}
	statusJSON := []string{bc.bin, "status", "-A", "-o", "json"}
	checkFleetOutputs(b, bc, n, kubectl, status, statusJSON)

	cmds := [][]string{kubectl, status, statusJSON}
	times := make([][]time.Duration, len(cmds))
	rss := make([]int64, len(cmds))
	round := 0
	for b.Loop() {
		// Rotate the order each round: no command always runs first (on
		// a cold API server cache) or last.
		for k := range cmds {
			i := (k + round) % len(cmds)
			u := bc.runDiscard(b, cmds[i])
			times[i] = append(times[i], u.wall)
			rss[i] = max(rss[i], u.maxRSSKiB)
		}
		round++
	}
	mKubectl, mStatus, mJSON := median(times[0]), median(times[1]), median(times[2])
	ratio, ratioJSON := mStatus.Seconds()/mKubectl.Seconds(), mJSON.Seconds()/mKubectl.Seconds()
	rssMiB, rssJSONMiB := float64(rss[1])/1024, float64(rss[2])/1024
	b.ReportMetric(ms(mKubectl), "kubectl-ms")
	b.ReportMetric(ms(mStatus), "status-ms")
	b.ReportMetric(ms(mJSON), "status-json-ms")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(ratioJSON, "ratio-json")
	b.ReportMetric(rssMiB, "status-maxrss-MiB")
	b.ReportMetric(rssJSONMiB, "status-json-maxrss-MiB")
	b.ReportMetric(float64(rss[0])/1024, "kubectl-maxrss-MiB")
	b.Logf("%d backups, %d rounds: kubectl %v, status %v (%.2fx), status -o json %v (%.2fx); peak RSS status %.1f MiB, -o json %.1f MiB, kubectl %.1f MiB",
		n, round, mKubectl, mStatus, ratio, mJSON, ratioJSON, rssMiB, rssJSONMiB, float64(rss[0])/1024)
	if ratio > statusMaxRatio {
		b.Errorf("status -A took %.2fx kubectl's time for %d backups; the target is at most %.2fx", ratio, n, statusMaxRatio)
	}
	for i, name := range []string{"status -A", "status -A -o json"} {
		if mib := float64(rss[i+1]) / 1024; mib > statusMaxRSSMiB {
			b.Errorf("%s peaked at %.1f MiB RSS for %d backups; the target is under %d MiB", name, mib, n, statusMaxRSSMiB)
		}
	}
}

// checkFleetOutputs runs each command once (which also warms kubectl's
// discovery cache) and checks that each saw the whole fleet, so that
// neither side is timed doing less than the other.
func checkFleetOutputs(b *testing.B, bc *benchCluster, n int, kubectl, status, statusJSON []string) {
	b.Helper()
	raw, _ := bc.run(b, kubectl)
	var list struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		b.Fatalf("kubectl's output is not a JSON list: %v", err)
	}
	if len(list.Items) != n {
		b.Fatalf("kubectl listed %d backups, want %d", len(list.Items), n)
	}
	text, _ := bc.run(b, status)
	if rows := countFleetRows(text); rows != n {
		b.Fatalf("status -A drew %d rows of the fleet, want %d\n%s", rows, n, head(text, 20))
	}
	js, _ := bc.run(b, statusJSON)
	var rows struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal([]byte(js), &rows); err != nil {
		b.Fatalf("status -A -o json is not a JSON list: %v\n%s", err, head(js, 20))
	}
	if len(rows.Items) != n {
		b.Fatalf("status -A -o json has %d items, want %d", len(rows.Items), n)
	}
}

// countFleetRows counts the lines that draw a backup of the fleet.
func countFleetRows(text string) int {
	rows := 0
	for line := range strings.Lines(text) {
		if strings.Contains(line, "fleet-") && strings.Contains(line, "backup-") {
			rows++
		}
	}
	return rows
}

func head(s string, lines int) string {
	parts := strings.SplitN(s, "\n", lines+1)
	return strings.Join(parts[:min(len(parts), lines)], "\n")
}
