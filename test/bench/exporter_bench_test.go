package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// The targets of issue 10 for the exporter on 10,000 backups of both
// groups: a scrape under 1 s (the aim is 0.2 s) and a peak RSS under
// 200 MB (the aim is 100 MB). Initial sync and CPU per event are reported.
const (
	exporterBackups      = 10_000
	exporterMaxScrape    = time.Second
	exporterMaxRSSMiB    = 200
	exporterUpdateEvents = 1_000 // the retrying tenth of the fleet, each given a second record
)

// BenchmarkExporter seeds 10,000 backups, starts `kubectl logbackup
// exporter` on them and measures, in its own process: the time from start
// to /readyz (the first list of both groups), each /metrics scrape (one
// per iteration, body read to the end), the CPU time the exporter spends
// on status updates (1,000 backups get a new retry record; CPU from
// /proc, measured once the exporter is idle again) and its peak RSS
// (VmHWM: after exec the process has its own memory, unlike getrusage in
// a child started by this big process).
func BenchmarkExporter(b *testing.B) {
	bc := startBenchCluster(b)
	ctx := context.Background()
	began := time.Now()
	if err := seedFleet(ctx, bc.env, 0, exporterBackups); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d backups in %v", exporterBackups, time.Since(began).Round(time.Millisecond))

	start := time.Now()
	cmd := exec.Command(bc.bin, "exporter", "--listen", "127.0.0.1:0")
	cmd.Env = bc.environ
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	r := bufio.NewReader(stderr)
	line, err := r.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	base := strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, "serving metrics on ")), "/metrics")
	for {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Since(start) > 2*time.Minute {
			b.Fatal("the exporter was not ready after 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	syncTime := time.Since(start)

	body := scrape(b, base)
	if got := countSamples(body, "tidb_operator_log_backup_info{"); got != exporterBackups {
		b.Fatalf("the scrape has %d info series, want one per backup (%d)", got, exporterBackups)
	}
	var times []time.Duration
	for b.Loop() {
		t := time.Now()
		body = scrape(b, base)
		times = append(times, time.Since(t))
	}
	scrapeTime := median(times)

	// Events: each retrying backup gets its second record, as the
	// controller writes it; the CPU is read once the exporter is idle.
	cpu0 := cpuTime(b, cmd.Process.Pid)
	if err := addSecondRecords(ctx, bc.env); err != nil {
		b.Fatal(err)
	}
	cpu1 := waitIdle(b, cmd.Process.Pid)
	perEvent := (cpu1 - cpu0) / exporterUpdateEvents
	after := scrape(b, base)
	if got := sumSamples(after, "tidb_operator_log_backup_retry_total{"); got != exporterUpdateEvents {
		b.Errorf("retry_total sums to %v after the updates, want %d (the records present at the start are a baseline)", got, exporterUpdateEvents)
	}
	rssMiB := float64(vmHWM(b, cmd.Process.Pid)) / 1024

	b.ReportMetric(syncTime.Seconds(), "sync-s")
	b.ReportMetric(ms(scrapeTime), "scrape-ms")
	b.ReportMetric(float64(len(body))/(1<<20), "scrape-MiB")
	b.ReportMetric(float64(countSamples(body, "")), "samples")
	b.ReportMetric(float64(perEvent.Microseconds()), "cpu-us/event")
	b.ReportMetric(rssMiB, "maxrss-MiB")
	b.Logf("%d backups: ready in %v; scrape %v median of %d (%.1f MiB, %d samples); %v CPU per status update; peak RSS %.1f MiB",
		exporterBackups, syncTime.Round(time.Millisecond), scrapeTime.Round(time.Millisecond), len(times), float64(len(body))/(1<<20),
		countSamples(body, ""), perEvent, rssMiB)
	if scrapeTime > exporterMaxScrape {
		b.Errorf("a scrape took %v; the target is under %v", scrapeTime, exporterMaxScrape)
	}
	if rssMiB > exporterMaxRSSMiB {
		b.Errorf("the exporter peaked at %.1f MiB RSS; the target is under %d MiB", rssMiB, exporterMaxRSSMiB)
	}
}

func scrape(b *testing.B, base string) string {
	b.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	return string(raw)
}

// countSamples counts the sample lines that start with prefix.
func countSamples(body, prefix string) int {
	n := 0
	for _, l := range strings.Split(body, "\n") {
		if l != "" && l[0] != '#' && strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func sumSamples(body, prefix string) float64 {
	sum := 0.0
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			v, _ := strconv.ParseFloat(l[strings.LastIndexByte(l, ' ')+1:], 64)
			sum += v
		}
	}
	return sum
}

// addSecondRecords gives every retrying backup of the fleet (i%10 == 5)
// its second retry record.
func addSecondRecords(ctx context.Context, env *fixtures.Env) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(seedParallel)
	for i := 5; i < exporterBackups; i += 10 {
		g.Go(func() error {
			fb := fleetBackup(env.Now, i)
			res := env.Dynamic.Resource(fixtures.GVR(fb.Group)).Namespace(fb.Namespace)
			u, err := res.Get(gctx, fb.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			now := time.Now()
			rec := fixtures.RecordObject(backup.RetryRecord{RetryNum: 2, DetectFailedAt: &now, ExpectedRetryAt: &now, OriginalReason: "OOMKilled"})
			status := u.Object["status"].(map[string]any)
			status["backoffRetryStatus"] = append(status["backoffRetryStatus"].([]any), rec)
			if fb.Group == backup.GroupV1 {
				_, err = res.Update(gctx, u, metav1.UpdateOptions{})
			} else {
				_, err = res.UpdateStatus(gctx, u, metav1.UpdateOptions{})
			}
			return err
		})
	}
	return g.Wait()
}

// cpuTime is a process's user+system CPU time, from /proc/PID/stat.
func cpuTime(b *testing.B, pid int) time.Duration {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command name (in parentheses, which may
	// hold spaces): utime and stime are the 14th and 15th of the line.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const clockTick = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clockTick
}

// waitIdle waits until the process has used under 20 ms of CPU in a
// second, and returns its CPU time then.
func waitIdle(b *testing.B, pid int) time.Duration {
	b.Helper()
	last := cpuTime(b, pid)
	for range 120 {
		time.Sleep(time.Second)
		now := cpuTime(b, pid)
		if now-last < 20*time.Millisecond {
			return now
		}
		last = now
	}
	b.Fatal("the exporter did not become idle in 2 minutes")
	return 0
}

// vmHWM is a process's peak resident set in KiB (/proc/PID/status).
func vmHWM(b *testing.B, pid int) int64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	b.Fatal("no VmHWM in /proc/PID/status")
	return 0
}
