package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/logbackup/kubectl-logbackup/test/cluster"
)

// Every bad input: one line on stderr that says what is wrong, a non-zero
// exit, no usage dump, no stack trace.
func TestBadInputIsOneLine(t *testing.T) {
	cases := []badInput{
		{"extra slash", []string{"investigate", "tidb/nightly/x"}, "with one slash"},
		{"empty namespace", []string{"investigate", "/nightly"}, "must both be non-empty"},
		{"empty name", []string{"investigate", "tidb/"}, "must both be non-empty"},
		{"upper case", []string{"investigate", "tidb/Nightly"}, `invalid backup name "Nightly"`},
		{"underscore namespace", []string{"investigate", "ti_db/nightly"}, `invalid namespace "ti_db"`},
		{"no argument", []string{"investigate"}, "expected exactly one backup"},
		{"two arguments", []string{"investigate", "a", "b"}, "expected exactly one backup"},
		{"missing backup", []string{"investigate", "tidb/absent"}, "not found in pingcap.com/v1alpha1 and br.pingcap.com/v1alpha1; list them with: kubectl get backups.pingcap.com,backups.br.pingcap.com -n tidb"},
		{"missing namespace", []string{"investigate", "nowhere/nightly"}, "backup nowhere/nightly not found"},
		{"unknown group", []string{"investigate", "tidb/nightly", "--api-group", "example.com"}, `invalid --api-group "example.com"`},
		{"bad output", []string{"investigate", "tidb/nightly", "-o", "xml"}, `invalid --output "xml"`},
		{"bad tail", []string{"investigate", "tidb/nightly", "--tail", "0"}, `invalid --tail "0": must be a whole number from 1 to 10000`},
		{"contradicting namespace", []string{"investigate", "tidb/nightly", "-n", "other"}, "contradicts -n other"},
		{"unknown flag", []string{"investigate", "tidb/nightly", "--frobnicate"}, "unknown flag: --frobnicate; see 'kubectl logbackup investigate --help'"},
		{"tail not a number", []string{"investigate", "tidb/nightly", "--tail", "abc"}, `invalid --tail "abc": must be a whole number from 1 to 10000; see 'kubectl logbackup investigate --help'`},
		{"output without a value", []string{"investigate", "tidb/nightly", "-o"}, "-o needs a value; see 'kubectl logbackup investigate --help'"},
		{"since not a duration", []string{"investigate", "tidb/nightly", "--since", "yesterday"}, `invalid --since "yesterday": must be a duration from 0s to 8784h0m0s, such as 30s, 5m or 2h`},
		{"bad selector", []string{"investigate", "tidb/nightly", "--controller-selector", "a==b=c"}, `invalid --controller-selector "a==b=c"`},
		{"bad controller namespace", []string{"investigate", "tidb/nightly", "--controller-namespace", "Bad_NS"}, `invalid --controller-namespace "Bad_NS"`},
		{"bad request timeout", []string{"investigate", "tidb/nightly", "--request-timeout", "abc"}, `invalid --request-timeout "abc"`},
		{"bad -n", []string{"investigate", "nightly", "-n", "Bad_NS"}, `invalid namespace "Bad_NS"`},
		{"unknown context", []string{"investigate", "tidb/nightly", "--context", "nope"}, "context was not found for specified context: nope"},
		{"unreachable", []string{"investigate", "tidb/nightly", "--server", "https://127.0.0.1:1", "--insecure-skip-tls-verify", "--request-timeout", "3s"}, "cannot reach the Kubernetes API server at https://127.0.0.1:1"},
	}
	checkBadInputs(t, cases)
}

// badInput is a command line that must fail with one line containing want.
type badInput struct {
	name string
	args []string
	want string
}

// checkBadInputs runs each case: non-zero exit, one 'error: ' line with
// want on stderr, nothing on stdout.
func checkBadInputs(t *testing.T, cases []badInput) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := plugin(t, c.args...)
			if r.code == 0 {
				t.Fatalf("exit 0, want an error; stdout:\n%s", r.stdout)
			}
			assertOneLineError(t, r.stderr, c.want)
			if r.stdout != "" {
				t.Errorf("stdout not empty: %q", r.stdout)
			}
		})
	}
}

func assertOneLineError(t *testing.T, stderr, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 {
		t.Errorf("stderr has %d lines, want 1:\n%s", len(lines), stderr)
	}
	if !strings.HasPrefix(lines[0], "error: ") || !strings.Contains(lines[0], want) {
		t.Errorf("stderr = %q, want an 'error: ' line containing %q", lines[0], want)
	}
	for _, bad := range []string{"goroutine", "panic", "Usage:"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr has %q:\n%s", bad, stderr)
		}
	}
}

// A cluster without TiDB Operator's CRDs: say so in one line.
func TestNoBackupAPI(t *testing.T) {
	ctx := context.Background()
	c, err := cluster.Start(ctx, cluster.Options{WithoutCRDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := c.WriteKubeconfig(kc, cluster.UserAdmin, "tidb"); err != nil {
		t.Fatal(err)
	}
	r := plugin(t, "--kubeconfig", kc, "investigate", "nightly")
	if r.code == 0 {
		t.Fatal("exit 0 without a Backup API")
	}
	assertOneLineError(t, r.stderr, "is TiDB Operator installed?")
}
