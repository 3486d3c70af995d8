package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// terminal runs the plugin on a real pseudo-terminal, as a person at a
// shell would: stdin, stdout and stderr are the pty, so the plugin asks.
type terminal struct {
	t    *testing.T
	cmd  *exec.Cmd
	pty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{} // closed when the output ends
}

func startTerminal(t *testing.T, args ...string) *terminal {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, s.bin, append([]string{"--kubeconfig", s.kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "TERM=xterm")
	f, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, cmd: cmd, pty: f, done: make(chan struct{})}
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil { // EIO once the plugin has exited
				return
			}
		}
	}()
	t.Cleanup(func() { _ = f.Close() })
	return term
}

// output so far, without the terminal's carriage returns.
func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return strings.ReplaceAll(term.out.String(), "\r", "")
}

// expect waits until the output holds want (counting from the start).
func (term *terminal) expect(want string, occurrence int) {
	term.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(term.output(), want) < occurrence {
		if time.Now().After(deadline) {
			term.t.Fatalf("no %q (#%d) on the terminal after 30s:\n%s", want, occurrence, term.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// answer types a line, or ^D (end of input) when s is "\x04".
func (term *terminal) answer(s string) {
	term.t.Helper()
	if _, err := io.WriteString(term.pty, s); err != nil {
		term.t.Fatal(err)
	}
}

// wait returns the exit code and the whole output.
func (term *terminal) wait() (int, string) {
	term.t.Helper()
	err := term.cmd.Wait()
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		term.t.Fatal("the terminal output did not end")
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), term.output()
	case err != nil:
		term.t.Fatal(err)
	}
	return 0, term.output()
}

const prompt = "? [y/N] "

func TestResetPromptYes(t *testing.T) {
	name := uniqueName(t)
	u := retrying(t, backup.GroupV2, name, "RetryFailed", 2)
	term := startTerminal(t, "reset-retries", resetNSv2+"/"+name)
	term.expect("Remove 2 retry records from reset-v2/"+name+prompt, 1)
	// The preview is on screen before the question.
	mustContain(t, term.output(), "Backup reset-v2/"+name+" (br.pingcap.com/v1alpha1, status subresource)", reasonWithEscapes)
	mustHaveRecords(t, backup.GroupV2, name, 2)
	term.answer("y\n")
	code, out := term.wait()
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	mustContain(t, out, "Removed 2 retry records", "Read back:     no retry records left", "Audit event:   RetriesReset")
	mustHaveRecords(t, backup.GroupV2, name, 0)
	if len(resetEvents(t, u)) != 1 {
		t.Error("no audit event")
	}
}

// Anything but y/yes is no, and so is the end of input: nothing changes,
// and no event is written.
func TestResetPromptNoAndEndOfInput(t *testing.T) {
	for _, c := range []struct{ name, keys string }{{"n", "n\n"}, {"empty line", "\n"}, {"other word", "sure\n"}, {"EOF", "\x04"}} {
		t.Run(c.name, func(t *testing.T) {
			name := uniqueName(t)
			u := retrying(t, backup.GroupV1, name, "RetryFailed", 2)
			term := startTerminal(t, "reset-retries", resetNSv1+"/"+name)
			term.expect("Remove 2 retry records from reset-v1/"+name+prompt, 1)
			term.answer(c.keys)
			code, out := term.wait()
			if code != 0 {
				t.Fatalf("declining is not an error; exit %d\n%s", code, out)
			}
			mustContain(t, out, "Not reset: reset-v1/"+name+" is unchanged.")
			mustNotContain(t, out, "Removed")
			mustHaveRecords(t, backup.GroupV1, name, 2)
			if evs := resetEvents(t, u); len(evs) != 0 {
				t.Errorf("events after no: %+v", evs)
			}
		})
	}
}

// The controller appends a record while the question is on screen (the
// test writes it, as the controller would, once the prompt appears). The
// person answers y to what they saw; the patch's test fails on the server,
// the plugin says the backup changed and shows the new count, nothing is
// removed, and the exit status is non-zero.
func TestResetRecordAppendedAtThePromptIsNeverRemovedUnseen(t *testing.T) {
	for _, group := range []string{backup.GroupV1, backup.GroupV2} {
		t.Run(group, func(t *testing.T) {
			name := uniqueName(t)
			u := retrying(t, group, name, "RetryFailed", 2)
			term := startTerminal(t, "reset-retries", nsFor(group)+"/"+name)
			term.expect("Remove 2 retry records from "+nsFor(group)+"/"+name+prompt, 1)
			appendRecord(t, group, name)
			term.answer("y\n")
			code, out := term.wait()
			if code == 0 {
				t.Fatalf("exit 0 although the backup changed\n%s", out)
			}
			mustContain(t, out,
				"The backup changed after the preview: it now has 3 retry records:",
				"appended by the controller",
				"error: backup "+nsFor(group)+"/"+name+" changed since the preview: it now has 3 retry records, the preview showed 2; nothing was changed.")
			mustNotContain(t, out, "Removed")
			recs := stored(t, group, name)
			if len(recs) != 3 || recs[2].(map[string]any)["retryReason"] != "appended by the controller" {
				t.Errorf("records after the refused reset: %v", recs)
			}
			if evs := resetEvents(t, u); len(evs) != 0 {
				t.Errorf("events after a refused reset: %+v", evs)
			}
		})
	}
}

// Operator v2 checks its retry limit before appending a record, so a
// backup can turn Failed with its records unchanged while the question is
// on screen: the reset must not go through on a preview that said
// otherwise.
func TestResetPhaseTurnedFailedAtThePromptIsRefused(t *testing.T) {
	name := uniqueName(t)
	retrying(t, backup.GroupV2, name, "RetryFailed", 2)
	term := startTerminal(t, "reset-retries", resetNSv2+"/"+name)
	term.expect("Remove 2 retry records from "+resetNSv2+"/"+name+prompt, 1)
	editStatus(t, backup.GroupV2, name, func(status map[string]any) { status["phase"] = "Failed" })
	term.answer("y\n")
	code, out := term.wait()
	if code == 0 {
		t.Fatalf("exit 0 although the backup turned Failed\n%s", out)
	}
	mustContain(t, out, "its phase is now Failed, the preview showed RetryFailed", "nothing was changed")
	mustHaveRecords(t, backup.GroupV2, name, 2)
}

// Several backups: each is previewed and asked about on its own, and the
// second preview comes only after the first answer.
func TestResetSeveralBackupsEachAsked(t *testing.T) {
	first, second := uniqueName(t)+"-1", uniqueName(t)+"-2"
	retrying(t, backup.GroupV1, first, "RetryFailed", 1)
	retrying(t, backup.GroupV2, second, "RetryFailed", 2)
	term := startTerminal(t, "reset-retries", resetNSv1+"/"+first, resetNSv2+"/"+second)
	term.expect("Remove 1 retry record from reset-v1/"+first+prompt, 1)
	mustNotContain(t, term.output(), "Backup reset-v2/"+second)
	term.answer("yes\n")
	term.expect("Remove 2 retry records from reset-v2/"+second+prompt, 1)
	term.answer("n\n")
	code, out := term.wait()
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	mustContain(t, out, "Removed 1 retry record from reset-v1/"+first, "Not reset: reset-v2/"+second+" is unchanged.")
	mustHaveRecords(t, backup.GroupV1, first, 0)
	mustHaveRecords(t, backup.GroupV2, second, 2)
}

// --all asks one question that lists every backup it will reset, after a
// preview of each.
func TestResetAllAsksOnceListingThem(t *testing.T) {
	const ns = "reset-all-pty"
	retryingIn(t, backup.GroupV1, ns, "one", 1)
	retryingIn(t, backup.GroupV2, ns, "two", 2)
	term := startTerminal(t, "reset-retries", "--all", "-n", ns)
	term.expect("Remove 3 retry records from 2 backups (reset-all-pty/one: 1, reset-all-pty/two: 2)"+prompt, 1)
	mustContain(t, term.output(), "Backup reset-all-pty/one (pingcap.com/v1alpha1", "Backup reset-all-pty/two (br.pingcap.com/v1alpha1")
	term.answer("y\n")
	code, out := term.wait()
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if strings.Count(out, prompt) != 1 {
		t.Errorf("asked %d times, want once\n%s", strings.Count(out, prompt), out)
	}
	mustContain(t, out, "Removed 1 retry record from reset-all-pty/one", "Removed 2 retry records from reset-all-pty/two")
	if len(storedIn(t, backup.GroupV1, ns, "one"))+len(storedIn(t, backup.GroupV2, ns, "two")) != 0 {
		t.Error("records left")
	}
}

// Ctrl-C at the question stops at once; nothing changes.
func TestResetPromptInterrupted(t *testing.T) {
	name := uniqueName(t)
	retrying(t, backup.GroupV1, name, "RetryFailed", 2)
	term := startTerminal(t, "reset-retries", resetNSv1+"/"+name)
	term.expect(prompt, 1)
	term.answer("\x03") // the terminal turns ^C into SIGINT
	code, out := term.wait()
	if code != 130 {
		t.Fatalf("exit %d after ^C, want 130\n%s", code, out)
	}
	mustContain(t, out, "error: interrupted by Ctrl-C (SIGINT): no answer was given; nothing was changed")
	mustHaveRecords(t, backup.GroupV1, name, 2)
}

// An answer counts only for the question on the screen: a "y" typed ahead
// at the first question is not taken for the second, whose preview (and
// warnings) had not been drawn yet.
func TestResetTypedAheadAnswerIsNotTaken(t *testing.T) {
	first, second := uniqueName(t)+"-1", uniqueName(t)+"-2"
	retrying(t, backup.GroupV1, first, "RetryFailed", 1)
	retrying(t, backup.GroupV2, second, "Failed", 2)
	term := startTerminal(t, "reset-retries", resetNSv1+"/"+first, resetNSv2+"/"+second)
	term.expect("Remove 1 retry record from reset-v1/"+first+prompt, 1)
	term.answer("y\ny\n")
	term.expect("Remove 2 retry records from reset-v2/"+second+prompt, 1)
	time.Sleep(500 * time.Millisecond) // a taken answer would act now
	mustHaveRecords(t, backup.GroupV2, second, 2)
	term.answer("n\n")
	code, out := term.wait()
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	mustContain(t, out, "WARNING: The phase is already Failed", "Not reset: reset-v2/"+second+" is unchanged.")
	mustHaveRecords(t, backup.GroupV1, first, 0)
	mustHaveRecords(t, backup.GroupV2, second, 2)
}
