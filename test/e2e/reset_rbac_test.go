package e2e

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/cluster"
)

// readBackups lets a user find a backup in either group.
func readBackups() rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{backup.GroupV1, backup.GroupV2}, Resources: []string{"backups"}, Verbs: []string{"get", "list"}}
}

// A user who may read but not patch: the error names the verb, group,
// resource and subresource, and nothing changes. On v2 the user may patch
// the main resource, which would change nothing: the subresource is what
// is missing, and the error says so.
func TestResetForbiddenPatchNamesThePermission(t *testing.T) {
	cases := []struct {
		group string
		rules []rbacv1.PolicyRule
		want  string
	}{
		{backup.GroupV1, []rbacv1.PolicyRule{readBackups()},
			"forbidden: missing permission to patch backups (API group pingcap.com) in namespace reset-v1; nothing was changed"},
		{backup.GroupV2, []rbacv1.PolicyRule{readBackups(), {APIGroups: []string{backup.GroupV2}, Resources: []string{"backups"}, Verbs: []string{"patch"}}},
			"forbidden: missing permission to patch backups/status (API group br.pingcap.com) in namespace reset-v2; nothing was changed"},
	}
	for _, c := range cases {
		t.Run(c.group, func(t *testing.T) {
			name := uniqueName(t)
			u := retrying(t, c.group, name, "RetryFailed", 2)
			grant(t, cluster.UserRestricted, nsFor(c.group), c.rules...)
			kc := kubeconfigFor(t, cluster.UserRestricted, "")
			r := plugin(t, "--kubeconfig", kc, "reset-retries", nsFor(c.group)+"/"+name, "--yes")
			if r.code == 0 {
				t.Fatalf("exit 0 without patch permission\n%s", r.stdout)
			}
			assertOneLineError(t, r.stderr, c.want)
			mustContain(t, r.stdout, "To remove (status.backoffRetryStatus, 2 retry records)")
			mustNotContain(t, r.stdout, "Removed")
			mustHaveRecords(t, c.group, name, 2)
			if evs := resetEvents(t, u); len(evs) != 0 {
				t.Errorf("events after a refused patch: %+v", evs)
			}
		})
	}
}

// The user may reset but not create events: the reset is done, the
// missing audit event is a warning, the exit status 0. With events
// allowed, the event names the user (from a SelfSubjectReview).
func TestResetAuditEventByRestrictedUser(t *testing.T) {
	patch := rbacv1.PolicyRule{APIGroups: []string{backup.GroupV1, backup.GroupV2}, Resources: []string{"backups", "backups/status"}, Verbs: []string{"patch"}}
	events := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create"}}
	t.Run("events forbidden", func(t *testing.T) {
		name := uniqueName(t)
		retrying(t, backup.GroupV2, name, "RetryFailed", 2)
		grant(t, cluster.UserRestricted, resetNSv2, readBackups(), patch)
		kc := kubeconfigFor(t, cluster.UserRestricted, "")
		r := plugin(t, "--kubeconfig", kc, "reset-retries", resetNSv2+"/"+name, "--yes")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
		}
		mustContain(t, r.stdout, "Removed 2 retry records",
			`Warning:       the audit event was not recorded (forbidden: missing permission to create events (API group "" (core)) in namespace reset-v2); the reset itself is done.`,
			// The user may not list pods: the unresolved check is skipped, with a note.
			"Note: could not check whether the last failure is resolved: forbidden: missing permission to list jobs")
		mustHaveRecords(t, backup.GroupV2, name, 0)
	})
	t.Run("events allowed", func(t *testing.T) {
		name := uniqueName(t)
		u := retrying(t, backup.GroupV1, name, "RetryFailed", 1)
		grant(t, cluster.UserRestricted, resetNSv1, readBackups(), patch, events)
		kc := kubeconfigFor(t, cluster.UserRestricted, "")
		r := plugin(t, "--kubeconfig", kc, "reset-retries", resetNSv1+"/"+name, "--yes")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		mustContain(t, r.stdout, "Audit event:   RetriesReset by restricted (event reset-v1/")
		evs := resetEvents(t, u)
		if len(evs) != 1 || !strings.HasPrefix(evs[0].Message, "restricted removed 1 retry record (retryNum 1)") {
			t.Errorf("audit events: %+v", evs)
		}
	})
}
