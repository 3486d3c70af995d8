package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

const (
	logsPodV1  = "[pod tidb/backup-nightly-7xq2m]"
	logsCtrlV1 = "[controller " + fixtures.ControllerNamespace + "/" + fixtures.ControllerPodV1 + "]"
)

// Both sources, labelled, in time order; only the controller's lines about
// tidb/nightly (not nightly-other), and only the pods on its owner chain.
func TestLogsMergesBothSources(t *testing.T) {
	r := plugin(t, "logs", "tidb/nightly")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mustContain(t, r.stdout, logsCtrlV1+" I", logsPodV1+` [2026/11/25 09:00:01.123 +00:00] [INFO] [backup.go:123] ["start backup"]`)
	mustNotContain(t, r.stdout, "DECOY", "nightly-other", "backup-nightly-stale", "[pod tidb/nightly]", "team-")
	order := []string{"EARLY", "retry 1 started", `"start backup"`, "progress=63.8%", "exceed retry times"}
	last := -1
	for _, w := range order {
		i := strings.Index(r.stdout, w)
		if i <= last {
			t.Fatalf("%q is not after the line before it in time\n%s", w, r.stdout)
		}
		last = i
	}
	for _, line := range strings.Split(strings.TrimRight(r.stdout, "\n"), "\n") {
		if !strings.HasPrefix(line, logsCtrlV1+" ") && !strings.HasPrefix(line, logsPodV1+" ") {
			t.Errorf("line without its source: %q", line)
		}
	}
}

func TestLogsSourcesTailSince(t *testing.T) {
	job := plugin(t, "logs", "tidb/nightly", "--job")
	ctrl := plugin(t, "logs", "nightly", "-n", "tidb", "--controller")
	tail := plugin(t, "logs", "tidb/nightly", "--tail", "1", "--timestamps")
	// 25 minutes before the fixtures' clock (the suite seeded them
	// minutes ago; a fixed --since 25m would slide past their lines).
	window := (time.Since(s.env.Now) + 25*time.Minute).Round(time.Second)
	since := plugin(t, "logs", "tidb/nightly", "--since", window.String())
	for _, r := range []result{job, ctrl, tail, since} {
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	}
	if strings.Count(job.stdout, "\n") != 3 || strings.Count(job.stdout, logsPodV1) != 3 {
		t.Errorf("--job: want the 3 pod lines only\n%s", job.stdout)
	}
	if strings.Count(ctrl.stdout, "\n") != 4 || strings.Count(ctrl.stdout, logsCtrlV1) != 4 {
		t.Errorf("--controller: want the 4 controller lines about tidb/nightly only\n%s", ctrl.stdout)
	}
	// The last line of each source, with the kubelet's time after the label.
	if strings.Count(tail.stdout, "\n") != 2 {
		t.Errorf("--tail 1: want one line per source\n%s", tail.stdout)
	}
	mustContain(t, tail.stdout, logsPodV1+" 20", "progress=63.8%", logsCtrlV1+" 20", "exceed retry times")
	mustNotContain(t, tail.stdout, "start backup", "retry 1 started")
	mustContain(t, since.stdout, "exceed retry times")
	mustNotContain(t, since.stdout, "retry 1 started", "start backup", "EARLY")
}

func TestLogsBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tail", "-1"}, "--tail"},
		{[]string{"--since", "banana"}, "--since"},
		{[]string{"--limit-bytes", "99999999999"}, "--limit-bytes"},
		{[]string{"--controller", "--job"}, "--controller and --job cannot be used together"},
	} {
		r := plugin(t, append([]string{"logs", "tidb/nightly"}, c.args...)...)
		if r.code == 0 {
			t.Errorf("%v: exit 0", c.args)
		}
		assertOneLineError(t, r.stderr, c.want)
	}
	r := plugin(t, "logs", "tidb/no-such-backup")
	if r.code == 0 {
		t.Error("a missing backup: exit 0")
	}
	assertOneLineError(t, r.stderr, "backup tidb/no-such-backup not found")
	r = plugin(t, "logs")
	if r.code == 0 {
		t.Error("no backup: exit 0")
	}
	assertOneLineError(t, r.stderr, "expected exactly one backup")
}

// -f sees a line appended to a running pod and to the controller, and the
// pod that a retry creates; Ctrl-C ends it at once with exit 0.
func TestLogsFollow(t *testing.T) {
	ctx := context.Background()
	const ns, ctlNS, name = "logs-follow", "logs-follow-ctl", "stream"
	e := s.env
	b, err := e.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV1, Namespace: ns, Name: name, Phase: "Running"})
	if err != nil {
		t.Fatal(err)
	}
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	start := time.Now().Add(-time.Minute)
	if _, _, err := e.CreateWorkload(ctx, fixtures.Workload{Backup: b, Job: "backup-" + name, Pod: "backup-" + name + "-aaaaa",
		PodPhase: corev1.PodRunning, Main: running, Created: start, Log: []string{"first attempt begins"}}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "logs-follow-controller"}
	ctl := "tidb-controller-manager-follow"
	if err := e.CreateControllerPodIn(ctx, ctlNS, ctl, fixtures.ControllerImageV1, labels, []cluster.LogLine{
		{Time: start, Text: "I0101 00:00:00.000000 1 backup.go:1] Backup: [" + ns + "/" + name + "] scheduled"},
	}); err != nil {
		t.Fatal(err)
	}
	run := startLogs(t, "logs", ns+"/"+name, "-f", "--controller-namespace", ctlNS, "--controller-selector", "app=logs-follow-controller")
	run.waitFor(t, "[pod "+ns+"/backup-"+name+"-aaaaa] first attempt begins", "[controller "+ctlNS+"/"+ctl+"] I0101")

	e.Kubelet.AppendLog(ns, "backup-"+name+"-aaaaa", "backup", cluster.LogLine{Text: "appended while following"})
	e.Kubelet.AppendLog(ctlNS, ctl, fixtures.ControllerContainer,
		cluster.LogLine{Text: "Backup: [" + ns + "/" + name + "-other] DECOY"},
		cluster.LogLine{Text: "Backup: [" + ns + "/" + name + "] job failed, will retry"})
	run.waitFor(t, "appended while following", "job failed, will retry")

	// The retry: a new Job and Pod, running, with a log of their own.
	if _, _, err := e.CreateWorkload(ctx, fixtures.Workload{Backup: b, Job: "backup-" + name + "-retry", Pod: "backup-" + name + "-bbbbb",
		PodPhase: corev1.PodRunning, Main: running, Created: time.Now(), Log: []string{"retry attempt begins"}}); err != nil {
		t.Fatal(err)
	}
	run.waitFor(t, "[pod "+ns+"/backup-"+name+"-bbbbb] retry attempt begins")
	e.Kubelet.AppendLog(ns, "backup-"+name+"-bbbbb", "backup", cluster.LogLine{Text: "retry makes progress"})
	run.waitFor(t, "retry makes progress")

	began := time.Now()
	if err := run.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = run.cmd.Wait()
	if took := time.Since(began); err != nil || took > 3*time.Second {
		t.Fatalf("Ctrl-C: %v after %s\n%s", err, took, run.errOut.String())
	}
	out := run.out.String()
	mustNotContain(t, out, "DECOY")
	for _, w := range []string{"first attempt begins", "appended while following", "retry attempt begins", "job failed, will retry"} {
		if n := strings.Count(out, w); n != 1 {
			t.Errorf("%q printed %d times\n%s", w, n, out)
		}
	}
}

// lockedBuffer is written by the process's output copier while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type logsRun struct {
	cmd         *exec.Cmd
	out, errOut lockedBuffer
}

func startLogs(t *testing.T, args ...string) *logsRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	r := &logsRun{}
	r.cmd = exec.CommandContext(ctx, s.bin, append([]string{"--kubeconfig", s.kubeconfig}, args...)...)
	r.cmd.Env = append(os.Environ(), "NO_COLOR=1")
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.errOut
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	return r
}

// waitFor waits until stdout holds every want.
func (r *logsRun) waitFor(t *testing.T, wants ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, missing := r.out.String(), ""
		for _, w := range wants {
			if !strings.Contains(out, w) {
				missing = w
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q after 20s\nstdout:\n%s\nstderr:\n%s", missing, out, r.errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
