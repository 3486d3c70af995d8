package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// The exporter against the real API server: what is there at the start is
// a baseline; a record appended is one retry; the retry limit is one
// exhaustion; a deleted backup's series go; Ctrl-C ends it with exit 0.
func TestExporterFollowsTheStatus(t *testing.T) {
	ctx := context.Background()
	ns := sanitize("exp-" + uniqueName(t))
	now := time.Now()
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	first := backup.RetryRecord{RetryNum: 1, DetectFailedAt: at(-20 * time.Minute), ExpectedRetryAt: at(-15 * time.Minute), RealRetryAt: at(-15 * time.Minute),
		RetryReason: "Job has failed", OriginalReason: "BackoffLimitExceeded"}
	second := backup.RetryRecord{RetryNum: 2, DetectFailedAt: at(-5 * time.Minute), ExpectedRetryAt: at(time.Hour), RetryReason: "Job has failed", OriginalReason: "OOMKilled"}
	if _, err := s.env.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV1, Namespace: ns, Name: "nightly", Phase: "Scheduled", Records: []backup.RetryRecord{first}}); err != nil {
		t.Fatal(err)
	}

	x := startExporter(t, s.kubeconfig)
	series := `{backup="nightly",namespace="` + ns + `"}`
	metric := x.metric
	jobFailed := `{backup="nightly",namespace="` + ns + `",reason="JobFailed"}`
	oom := `{backup="nightly",namespace="` + ns + `",reason="OOMKilled"}`
	if got := metric("tidb_operator_log_backup_retry_total", jobFailed); got != "0" {
		t.Errorf("the record present at the start counted: retry_total %q", got)
	}

	edit := func(f func(status map[string]any)) {
		t.Helper()
		res := s.env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(ns)
		u, err := res.Get(ctx, "nightly", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		status, _, _ := unstructured.NestedMap(u.Object, "status")
		f(status)
		u.Object["status"] = status
		if _, err := res.Update(ctx, u, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	edit(func(st map[string]any) {
		st["backoffRetryStatus"] = []any{fixtures.RecordObject(first), fixtures.RecordObject(second)}
	})
	waitFor(t, "the new record", func() bool { return metric("tidb_operator_log_backup_retry_total", oom) == "1" })
	if got := metric("tidb_operator_log_backup_retry_current", series); got != "2" {
		t.Errorf("retry_current %q, want 2", got)
	}
	if got := metric("tidb_operator_log_backup_retry_result_total", `{backup="nightly",namespace="`+ns+`",result="failure"}`); got != "1" {
		t.Errorf("the retry that ran and failed again: result failure %q", got)
	}
	edit(func(st map[string]any) {
		st["phase"] = "Failed"
		st["conditions"] = []any{map[string]any{"type": "Failed", "status": "True", "reason": "AlreadyFailed",
			"message": "exceed retry times, max is 2, failed reason R, original reason O", "lastTransitionTime": now.UTC().Format(time.RFC3339)}}
	})
	waitFor(t, "the exhaustion", func() bool { return metric("tidb_operator_log_backup_retry_exhausted_total", series) == "1" })
	if got := metric("tidb_operator_log_backup_retry_current", series); got != "0" {
		t.Errorf("retry_current of a failed backup %q", got)
	}
	if err := s.env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(ns).Delete(ctx, "nightly", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the series to go", func() bool { return metric("tidb_operator_log_backup_retry_current", series) == "" })
	if got := x.count("tidb_operator_log_backup_", `namespace="`+ns+`"`); got != 0 {
		t.Errorf("%d series left of the deleted backup", got)
	}
	x.stop(t)
}

// exporterProc is a running `kubectl logbackup exporter`.
type exporterProc struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	stderr *lockedBuffer
}

// launchExporter runs the built binary (global flags such as
// --kubeconfig or --as, then `exporter --listen 127.0.0.1:0 ARGS`) and
// returns once it says where it serves; its stderr is kept.
func launchExporter(t *testing.T, global []string, args ...string) *exporterProc {
	t.Helper()
	cmd := exec.Command(s.bin, append(append(global, "exporter", "--listen", "127.0.0.1:0"), args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	r := bufio.NewReader(stderr)
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	x := &exporterProc{cmd: cmd, stderr: &lockedBuffer{}}
	go func() { _, _ = io.Copy(x.stderr, r) }()
	x.base = strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(line, "serving metrics on ")), "/metrics")
	return x
}

// startExporter launches the exporter with a kubeconfig and waits until
// it is ready.
func startExporter(t *testing.T, kubeconfig string, args ...string) *exporterProc {
	t.Helper()
	x := launchExporter(t, []string{"--kubeconfig", kubeconfig}, args...)
	waitFor(t, "ready", func() bool { code, _ := get(x.base + "/readyz"); return code == 200 })
	return x
}

// metric is one sample's value as /metrics prints it ("" when absent).
func (x *exporterProc) metric(name, labels string) string {
	_, body := get(x.base + "/metrics")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name+labels) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// count is the number of samples whose name starts with prefix and whose
// labels hold the text has.
func (x *exporterProc) count(prefix, has string) int {
	_, body := get(x.base + "/metrics")
	n := 0
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, has) {
			n++
		}
	}
	return n
}

// stop is Ctrl-C, which must end the exporter with exit 0.
func (x *exporterProc) stop(t *testing.T) {
	t.Helper()
	if err := x.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := x.cmd.Wait(); err != nil {
		t.Errorf("exit after Ctrl-C: %v\n%s", err, x.stderr.String())
	}
}

func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
