package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// v1 has no status subresource: the patch goes to the backup itself, the
// records are gone when read back, and an audit event names who and how many.
func TestResetV1ThroughTheMainResource(t *testing.T) {
	name := uniqueName(t)
	u := retrying(t, backup.GroupV1, name, "RetryFailed", 2)
	r := plugin(t, "reset-retries", resetNSv1+"/"+name, "--yes")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
	mustContain(t, r.stdout,
		"Backup reset-v1/"+name+" (pingcap.com/v1alpha1, no status subresource)",
		"Retries used:  2 of 3 allowed (0 after the reset)",
		"To remove (status.backoffRetryStatus, 2 retry records):",
		reasonWithEscapes,
		"Removed 2 retry records from reset-v1/"+name+" (PATCH /apis/pingcap.com/v1alpha1/namespaces/reset-v1/backups/"+name+").",
		"Read back:     no retry records left",
		"Audit event:   RetriesReset by admin (event reset-v1/"+name+".",
	)
	mustNotContain(t, r.stdout, "/status).", "[y/N]")
	mustHaveRecords(t, backup.GroupV1, name, 0)
	evs := resetEvents(t, u)
	if len(evs) != 1 || evs[0].Message != "admin removed 2 retry records (retryNum 1-2) from status.backoffRetryStatus with kubectl logbackup reset-retries" ||
		evs[0].InvolvedObject.APIVersion != "pingcap.com/v1alpha1" || evs[0].Source.Component != "kubectl-logbackup" {
		t.Errorf("audit events: %+v", evs)
	}
}

// v2 has a status subresource: the patch goes to backups/status.
func TestResetV2ThroughTheStatusSubresource(t *testing.T) {
	name := uniqueName(t)
	u := retrying(t, backup.GroupV2, name, "RetryFailed", 3)
	r := plugin(t, "reset-retries", name, "-n", resetNSv2, "--yes")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
	mustContain(t, r.stdout,
		"Backup reset-v2/"+name+" (br.pingcap.com/v1alpha1, status subresource)",
		"Removed 3 retry records from reset-v2/"+name+" (PATCH /apis/br.pingcap.com/v1alpha1/namespaces/reset-v2/backups/"+name+"/status).",
		"Read back:     no retry records left",
	)
	mustHaveRecords(t, backup.GroupV2, name, 0)
	if evs := resetEvents(t, u); len(evs) != 1 || !strings.HasPrefix(evs[0].Message, "admin removed 3 retry records (retryNum 1-3)") {
		t.Errorf("audit events: %+v", evs)
	}
}

// The seed runbook's command against v2: the API server answers "patched
// (no change)", exit 0, and the records stay. This is why the plugin
// patches backups/status.
func TestSeedPatchLeavesV2RecordsInPlace(t *testing.T) {
	name := uniqueName(t)
	retrying(t, backup.GroupV2, name, "RetryFailed", 2)
	r := kubectl(t, nil, "--kubeconfig", s.kubeconfig, "patch", "backups.br.pingcap.com", name, "-n", resetNSv2,
		"--type=json", "-p", `[{"op":"remove","path":"/status/backoffRetryStatus"}]`)
	if r.code != 0 {
		t.Fatalf("kubectl patch: exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "patched (no change)")
	mustHaveRecords(t, backup.GroupV2, name, 2)

	// The plugin clears v2.
	r = plugin(t, "reset-retries", resetNSv2+"/"+name, "--yes")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustHaveRecords(t, backup.GroupV2, name, 0)

	// The same seed command on v1 (no status subresource) does work.
	retrying(t, backup.GroupV1, name, "RetryFailed", 2)
	r = kubectl(t, nil, "--kubeconfig", s.kubeconfig, "patch", "backups.pingcap.com", name, "-n", resetNSv1,
		"--type=json", "-p", `[{"op":"remove","path":"/status/backoffRetryStatus"}]`)
	if r.code != 0 {
		t.Fatalf("kubectl patch v1: exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "patched")
	mustNotContain(t, r.stdout, "no change")
	mustHaveRecords(t, backup.GroupV1, name, 0)
}

func TestResetWithoutTerminalIsRefused(t *testing.T) {
	name := uniqueName(t)
	retrying(t, backup.GroupV1, name, "RetryFailed", 2)
	r := plugin(t, "reset-retries", resetNSv1+"/"+name) // stdin is /dev/null
	if r.code == 0 {
		t.Fatalf("exit 0 without a terminal and without --yes\n%s", r.stdout)
	}
	assertOneLineError(t, r.stderr, "refusing to reset without confirmation: standard input is not a terminal")
	mustContain(t, r.stderr, "--yes", "nothing was changed")
	// The preview is shown: it says what --yes would remove.
	mustContain(t, r.stdout, "Backup reset-v1/"+name, "To remove (status.backoffRetryStatus, 2 retry records)")
	mustHaveRecords(t, backup.GroupV1, name, 2)
}

func TestResetDryRun(t *testing.T) {
	for _, group := range []string{backup.GroupV1, backup.GroupV2} {
		t.Run(group, func(t *testing.T) {
			name := uniqueName(t)
			u := retrying(t, group, name, "RetryFailed", 2)
			path := "/apis/" + group + "/v1alpha1/namespaces/" + nsFor(group) + "/backups/" + name
			if group == backup.GroupV2 {
				path += "/status"
			}

			r := plugin(t, "reset-retries", nsFor(group)+"/"+name, "--dry-run=server")
			if r.code != 0 {
				t.Fatalf("server dry run: exit %d: %s", r.code, r.stderr)
			}
			mustContain(t, r.stdout, "Dry run (server): the API server accepted the patch", "0 retry records would be left (now 2)")
			mustNotContain(t, r.stdout, "Removed", "[y/N]")
			mustHaveRecords(t, group, name, 2)

			r = plugin(t, "reset-retries", nsFor(group)+"/"+name, "--dry-run=client")
			if r.code != 0 {
				t.Fatalf("client dry run: exit %d: %s", r.code, r.stderr)
			}
			mustContain(t, r.stdout, "Dry run (client): nothing was sent", "PATCH "+path+"\n",
				`"op": "test"`, `"path": "/metadata/uid"`, `"value": "`+string(u.GetUID())+`"`,
				`"path": "/status/backoffRetryStatus"`, `"op": "remove"`)
			mustHaveRecords(t, group, name, 2)
			if evs := resetEvents(t, u); len(evs) != 0 {
				t.Errorf("a dry run recorded an event: %+v", evs)
			}
		})
	}
}

// Absent field: the seed's patch fails with an opaque message; the plugin
// says there is nothing to reset and sends nothing.
func TestResetNothingToReset(t *testing.T) {
	name := uniqueName(t)
	u := retrying(t, backup.GroupV1, name, "Complete", 0)
	r := kubectl(t, nil, "--kubeconfig", s.kubeconfig, "patch", "backups.pingcap.com", name, "-n", resetNSv1,
		"--type=json", "-p", `[{"op":"remove","path":"/status/backoffRetryStatus"}]`)
	if r.code == 0 || !strings.Contains(r.stderr, "the server rejected our request") {
		t.Errorf("the seed's patch on an absent field: exit %d, %q", r.code, r.stderr)
	}

	r = plugin(t, "reset-retries", resetNSv1+"/"+name, "--yes")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "Nothing to reset: reset-v1/"+name+" has no retry records", "no patch was sent")
	mustNotContain(t, r.stdout, "Removed", "Patch:")
	if u2 := getBackup(t, backup.GroupV1, name); u2.GetResourceVersion() != u.GetResourceVersion() {
		t.Error("the backup was written although there was nothing to reset")
	}
	if evs := resetEvents(t, u); len(evs) != 0 {
		t.Errorf("events for nothing: %+v", evs)
	}
}

func TestResetBadInputIsOneLine(t *testing.T) {
	cases := []badInput{
		{"missing backup", []string{"reset-retries", resetNSv1 + "/absent", "--yes"},
			"backup reset-v1/absent not found in pingcap.com/v1alpha1 and br.pingcap.com/v1alpha1; list them with: kubectl get backups.pingcap.com,backups.br.pingcap.com -n reset-v1"},
		{"malformed name", []string{"reset-retries", resetNSv1 + "/Bad_Name", "--yes"}, `invalid backup name "Bad_Name"`},
		{"two slashes", []string{"reset-retries", "a/b/c", "--yes"}, "with one slash"},
		{"no backup", []string{"reset-retries", "--yes"}, "expected one or more backups as NAMESPACE/NAME or NAME, or --all; see 'kubectl logbackup reset-retries --help'"},
		{"names and --all", []string{"reset-retries", "a/b", "--all", "--yes"}, "give either --all or backup names"},
		{"bad dry run", []string{"reset-retries", "a/b", "--dry-run=maybe"}, `invalid --dry-run "maybe": must be one of none, client, server; see 'kubectl logbackup reset-retries --help'`},
		{"dry run without value", []string{"reset-retries", "a/b", "--dry-run"}, "--dry-run needs a value; see 'kubectl logbackup reset-retries --help'"},
		{"bad output", []string{"reset-retries", "a/b", "--yes", "-o", "wide"}, `invalid --output "wide"`},
		{"unknown group", []string{"reset-retries", "a/b", "--yes", "--api-group", "example.com"}, `invalid --api-group "example.com"`},
	}
	checkBadInputs(t, cases)
}

// --all: every backup of the namespace with records is previewed, one
// question covers them (here --yes), and the JSON result lists each.
func TestResetAllInNamespaceAsJSON(t *testing.T) {
	const ns = "reset-all"
	a, b, clean := "all-a", "all-b", "all-clean"
	for _, n := range []struct {
		name string
		recs int
	}{{a, 1}, {b, 2}, {clean, 0}} {
		retryingIn(t, backup.GroupV1, ns, n.name, n.recs)
	}
	r := plugin(t, "reset-retries", "--all", "-n", ns, "--yes", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// The previews went to stderr, so stdout is only the result.
	mustContain(t, r.stderr, "Backup reset-all/all-a (pingcap.com/v1alpha1", "Backup reset-all/all-b (pingcap.com/v1alpha1")
	mustNotContain(t, r.stderr, "all-clean")
	var res struct {
		Kind  string `json:"kind"`
		Items []struct {
			Target  backup.Ref `json:"target"`
			Outcome string     `json:"outcome"`
			By      string     `json:"by"`
			Event   string     `json:"event"`
			After   struct {
				Records []backup.RetryRecord `json:"records"`
			} `json:"after"`
			Preview struct {
				Records []backup.RetryRecord `json:"records"`
			} `json:"preview"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if res.Kind != "RetryReset" || len(res.Items) != 2 {
		t.Fatalf("result: %+v", res)
	}
	for i, want := range []struct {
		name string
		recs int
	}{{a, 1}, {b, 2}} {
		it := res.Items[i]
		if it.Target.Name != want.name || it.Outcome != "reset" || len(it.Preview.Records) != want.recs ||
			len(it.After.Records) != 0 || it.By != "admin" || it.Event == "" {
			t.Errorf("item %d: %+v", i, it)
		}
	}
	for _, n := range []string{a, b, clean} {
		if recs := storedIn(t, backup.GroupV1, ns, n); len(recs) != 0 {
			t.Errorf("%s still has %d records", n, len(recs))
		}
	}
}

func TestResetHelpNamesKubectlLogbackup(t *testing.T) {
	r := kubectl(t, nil, "logbackup", "reset-retries", "--help")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "kubectl logbackup reset-retries ([NAMESPACE/]NAME... | --all) [flags]", "--dry-run", "--yes")
	mustNotContain(t, r.stdout, "kubectl-logbackup reset-retries")
}

// Several backups where one is missing: the others are still handled, each
// error is printed, and the exit status says how many failed.
func TestResetSeveralWithOneMissing(t *testing.T) {
	name := uniqueName(t)
	retrying(t, backup.GroupV1, name, "RetryFailed", 1)
	r := plugin(t, "reset-retries", resetNSv1+"/absent", resetNSv1+"/"+name, "--yes")
	if r.code == 0 {
		t.Fatalf("exit 0 with a missing backup\n%s", r.stdout)
	}
	mustContain(t, r.stderr, "error: backup reset-v1/absent not found", "error: 1 of 2 backups failed (see the errors above)")
	mustContain(t, r.stdout, "Removed 1 retry record from reset-v1/"+name)
	mustHaveRecords(t, backup.GroupV1, name, 0)
}
