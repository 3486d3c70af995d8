package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

func isPatch(r *http.Request) bool {
	return r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/backups/")
}

// Ctrl-C while the reset's PATCH is held by a slow proxy: the write was
// sent, so the plugin waits for its answer instead of abandoning it, says
// the reset was done, writes the audit event, and exits 130.
func TestInterruptDuringThePatchIsSeenThrough(t *testing.T) {
	for _, group := range []string{backup.GroupV1, backup.GroupV2} {
		t.Run(group, func(t *testing.T) {
			name := "interrupted-" + map[string]string{backup.GroupV1: "v1", backup.GroupV2: "v2"}[group]
			u := retryingIn(t, group, hostileNS, name, 2)
			proxy := newHoldingProxy(t, isPatch, true)
			run := startPlugin(t, proxy.kubeconfig(t, hostileNS), "reset-retries", name, "--yes")
			proxy.waitSeen(t)
			run.interrupt(t)
			time.Sleep(300 * time.Millisecond) // the plugin takes the signal while the request is out
			proxy.release()
			r := run.wait(t)
			if r.code != 130 {
				t.Fatalf("exit %d, want 130\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			mustContain(t, r.stdout, "Interrupted: finishing what was started for "+hostileNS+"/"+name+": the patch already sent",
				"Removed 2 retry records", "Read back:     no retry records left", "Audit event:   RetriesReset")
			assertOneLineError(t, r.stderr, "interrupted by Ctrl-C (SIGINT): 1 reset, 0 not reached of 1 backups")
			if len(storedIn(t, group, hostileNS, name)) != 0 || len(resetEvents(t, u)) != 1 {
				t.Error("the reset was not done, or not audited")
			}
		})
	}
}

// The API server applied the patch, but the proxy answered 504: the
// backup is read back, the reset is reported done and audited, exit 0.
func TestLostAnswerIsReadBack(t *testing.T) {
	name := "lost-answer"
	u := retryingIn(t, backup.GroupV1, hostileNS, name, 2)
	proxy := newHoldingProxy(t, isPatch, true)
	proxy.answer = func(w http.ResponseWriter) {
		http.Error(w, "upstream request timeout", http.StatusGatewayTimeout)
	}
	proxy.release()
	r := plugin(t, "--kubeconfig", proxy.kubeconfig(t, hostileNS), "reset-retries", name, "--yes")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mustContain(t, r.stdout, "an answer to the patch that says nothing of whether it was applied", "the reset was done", "Audit event:   RetriesReset")
	if len(storedIn(t, backup.GroupV1, hostileNS, name)) != 0 || len(resetEvents(t, u)) != 1 {
		t.Error("not reset or not audited")
	}
}

// The proxy dropped the PATCH: the backup is read back, shows the records,
// and the command says the reset has not been applied so far (the request
// could still reach the API server), audits nothing and exits 1.
func TestDroppedPatchIsReportedNotDone(t *testing.T) {
	name := "dropped-patch"
	u := retryingIn(t, backup.GroupV2, hostileNS, name, 2)
	proxy := newHoldingProxy(t, isPatch, false)
	proxy.release()
	r := plugin(t, "--kubeconfig", proxy.kubeconfig(t, hostileNS), "reset-retries", name, "--yes")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	assertOneLineError(t, r.stderr, "the reset has not been applied so far, but the request may still reach the API server")
	if len(storedIn(t, backup.GroupV2, hostileNS, name)) != 2 || len(resetEvents(t, u)) != 0 {
		t.Error("records removed, or an event written, for a reset not done")
	}
}

// Ctrl-C while investigate waits for the controller's log: what was read
// is shown, marked partial, and the exit code says so.
func TestInterruptDuringInvestigate(t *testing.T) {
	proxy := newHoldingProxy(t, func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/log") && strings.Contains(r.URL.Path, "tidb-controller-manager")
	}, true)
	run := startPlugin(t, proxy.kubeconfig(t, "tidb"), "investigate", "nightly")
	proxy.waitSeen(t)
	run.interrupt(t)
	r := run.wait(t)
	proxy.release()
	if r.code != 130 {
		t.Fatalf("exit %d, want 130\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mustContain(t, r.stdout, "INTERRUPTED: this report is partial", "Backup tidb/nightly", "Retries exhausted",
		"interrupted before it could get pods/log")
	assertOneLineError(t, r.stderr, "interrupted by Ctrl-C (SIGINT): the report is partial")
}

// The API server applied the patch, then the proxy answered 408: only the
// backup tells what happened, and it says the reset was done.
func TestProxyRefusalAfterTheWriteIsReadBack(t *testing.T) {
	name := "late-408"
	u := retryingIn(t, backup.GroupV2, hostileNS, name, 1)
	proxy := newHoldingProxy(t, isPatch, true)
	proxy.answer = func(w http.ResponseWriter) { http.Error(w, "request timeout", http.StatusRequestTimeout) }
	proxy.release()
	r := plugin(t, "--kubeconfig", proxy.kubeconfig(t, hostileNS), "reset-retries", name, "--yes")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mustContain(t, r.stdout, "the reset was done", "Audit event:")
	if len(resetEvents(t, u)) != 1 {
		t.Error("not audited")
	}
}

// The reader of the output goes away (| head) while a reset is on its way:
// the reset is seen through, the next backup is handled too, and the exit
// code says success, with a warning.
func TestClosedOutputDoesNotAbandonResets(t *testing.T) {
	first, second := "pipe-first", "pipe-second"
	u1 := retryingIn(t, backup.GroupV1, hostileNS, first, 1)
	u2 := retryingIn(t, backup.GroupV1, hostileNS, second, 1)
	proxy := newHoldingProxy(t, func(r *http.Request) bool { return isPatch(r) && strings.HasSuffix(r.URL.Path, "/"+first) }, true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, "--kubeconfig", proxy.kubeconfig(t, hostileNS), "reset-retries", first, second, "--yes")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	proxy.waitSeen(t)
	_ = stdout.Close() // the reader is gone before the answer comes
	proxy.release()
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 0 || !strings.Contains(stderr.String(), "the reset itself is done") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	if len(resetEvents(t, u1)) != 1 || len(resetEvents(t, u2)) != 1 {
		t.Error("a reset was abandoned when the output went away")
	}
}

// Another person removes the records while this reset's PATCH is held:
// the API server refuses this one (its test fails), and the command says
// the backup changed; it claims no reset and writes no audit event.
func TestRecordsRemovedBySomeoneElseMeanwhile(t *testing.T) {
	name := "removed-meanwhile"
	u := retryingIn(t, backup.GroupV1, hostileNS, name, 2)
	proxy := newHoldingProxy(t, isPatch, true)
	run := startPlugin(t, proxy.kubeconfig(t, hostileNS), "reset-retries", name, "--yes")
	proxy.waitSeen(t)
	editStatusIn(t, backup.GroupV1, hostileNS, name, func(status map[string]any) { delete(status, "backoffRetryStatus") })
	proxy.release()
	r := run.wait(t)
	if r.code != 1 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	assertOneLineError(t, r.stderr, "changed since the preview: it now has 0 retry records, the preview showed 2; nothing was changed")
	mustNotContain(t, r.stdout, "Removed 2 retry records")
	if len(resetEvents(t, u)) != 0 {
		t.Error("an audit event for a reset this run did not make")
	}
}
