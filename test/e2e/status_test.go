package e2e

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// statusJSON is the part of status -o json the tests read.
type statusJSON struct {
	Kind  string `json:"kind"`
	Items []struct {
		Context   string `json:"context"`
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
		Group     string `json:"group"`
		State     string `json:"state"`
		Verdict   struct {
			Summary string `json:"summary"`
		} `json:"verdict"`
	} `json:"items"`
	Summary map[string]int `json:"summary"`
	Errors  []struct {
		Context, Group, Namespace, Message string
	} `json:"errors"`
	Notes []struct{ Message string } `json:"notes"`
}

func decodeStatus(t *testing.T, out string) statusJSON {
	t.Helper()
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status -o json is not JSON: %v\n%s", err, out)
	}
	return st
}

// seedFleet writes one backup of each state into a fresh namespace, both
// groups, and returns the namespace.
func seedFleet(t *testing.T, suffix string) string {
	t.Helper()
	ctx := context.Background()
	ns := sanitize("st-" + suffix + "-" + uniqueName(t))
	if len(ns) > 50 {
		ns = ns[:50]
	}
	e := s.env
	now := time.Now()
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	rec := func(n int, detected, expected time.Duration, ran bool) backup.RetryRecord {
		r := backup.RetryRecord{RetryNum: n, DetectFailedAt: at(detected), ExpectedRetryAt: at(expected), RetryReason: "Job has failed", OriginalReason: "BackoffLimitExceeded"}
		if ran {
			r.RealRetryAt = at(expected)
		}
		return r
	}
	for _, b := range []fixtures.Backup{
		{Group: backup.GroupV1, Name: "healthy-v1", Phase: "Complete"},
		{Group: backup.GroupV2, Name: "healthy-v2", Phase: "Complete"},
		{Group: backup.GroupV1, Name: "exhausted", Phase: "Failed",
			Records:    []backup.RetryRecord{rec(1, -50*time.Minute, -45*time.Minute, true), rec(2, -40*time.Minute, -35*time.Minute, true), rec(3, -30*time.Minute, -25*time.Minute, false)},
			Conditions: []backup.Condition{{Type: "Failed", Status: "True", Reason: "AlreadyFailed", Message: "exceed retry times, max is 2", LastTransitionTime: at(-20 * time.Minute)}}},
		{Group: backup.GroupV2, Name: "failed", Phase: "Failed",
			Conditions: []backup.Condition{{Type: "Failed", Status: "True", Reason: "BackupFailed", Message: "s3 AccessDenied", LastTransitionTime: at(-5 * time.Minute)}}},
		{Group: backup.GroupV2, Name: "retrying", Phase: "RetryFailed",
			Records: []backup.RetryRecord{rec(1, -2*time.Minute, 3*time.Minute, false)}},
		{Group: backup.GroupV1, Name: "lagging", Mode: "log", LogSubcommand: "log-start", Phase: "Running",
			CheckpointTS: backup.TSOFromTime(now.Add(-3 * time.Hour))},
	} {
		b.Namespace = ns
		if _, err := e.CreateBackup(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	return ns
}

// Both groups, one row each, most urgent first; --failing leaves out the
// healthy ones but the summary counts them; -o name is kubectl's form.
func TestStatusBothGroupsSortedByUrgency(t *testing.T) {
	ns := seedFleet(t, "x")
	res := plugin(t, "status", "-n", ns, "-o", "json")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	st := decodeStatus(t, res.stdout)
	var got []string
	for _, it := range st.Items {
		got = append(got, it.Name+"="+it.State)
	}
	want := []string{"exhausted=Exhausted", "failed=Failed", "retrying=Retrying", "lagging=Lagging", "healthy-v1=Healthy", "healthy-v2=Healthy"}
	if !slices.Equal(got, want) {
		t.Fatalf("rows:\n got %v\nwant %v", got, want)
	}
	if st.Summary["total"] != 6 || st.Summary["exhausted"] != 1 || st.Summary["healthy"] != 2 {
		t.Errorf("summary %v", st.Summary)
	}
	if st.Items[0].Verdict.Summary == "" || !strings.Contains(st.Items[0].Verdict.Summary, "Retries exhausted") {
		t.Errorf("the exhausted row's verdict is not investigate's: %q", st.Items[0].Verdict.Summary)
	}

	text := plugin(t, "status", "-n", ns, "--failing")
	if text.code != 0 {
		t.Fatalf("exit %d: %s", text.code, text.stderr)
	}
	lines := strings.Split(strings.TrimSpace(text.stdout), "\n")
	if !strings.HasPrefix(lines[0], "NAME ") || strings.Contains(text.stdout, "healthy-v") {
		t.Errorf("--failing table:\n%s", text.stdout)
	}
	if last := lines[len(lines)-1]; last != "6 backups: 1 exhausted, 1 failed, 1 retrying, 1 lagging, 2 healthy; 4 shown (--failing)." {
		t.Errorf("summary line %q", last)
	}
	for i, name := range []string{"exhausted", "failed", "retrying", "lagging"} {
		if f := strings.Fields(lines[i+1]); f[0] != name {
			t.Errorf("row %d is %q, want %s", i+1, lines[i+1], name)
		}
	}

	names := plugin(t, "status", "-n", ns, "-o", "name")
	if !strings.HasPrefix(names.stdout, "backup.pingcap.com/exhausted\nbackup.br.pingcap.com/failed\n") {
		t.Errorf("-o name:\n%s", names.stdout)
	}
	wide := plugin(t, "status", "-n", ns, "-o", "wide")
	if !strings.Contains(wide.stdout, "RETRY POLICY") || !strings.Contains(wide.stdout, "Failed/BackupFailed: s3 AccessDenied") {
		t.Errorf("-o wide:\n%s", wide.stdout)
	}
}

// A user who may list backups in two namespaces only: the cluster-wide
// list names the missing permission and suggests -n; as they may list
// namespaces, the two are still shown; the exit code says it is partial.
func TestStatusRBACLimitedUser(t *testing.T) {
	a, b := seedFleet(t, "a"), seedFleet(t, "b")
	read := rbacv1.PolicyRule{APIGroups: []string{backup.GroupV1, backup.GroupV2}, Resources: []string{"backups"}, Verbs: []string{"get", "list", "watch"}}
	grant(t, "viewer", a, read)
	grant(t, "viewer", b, read)
	listNS := sanitize("e2e-ns-list-" + t.Name())
	clusterRole(t, "viewer", listNS, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"list"}})
	kc := kubeconfigFor(t, "viewer", a)

	res := plugin(t, "--kubeconfig", kc, "status", "-A", "-o", "json")
	if res.code != 1 || !strings.Contains(res.stderr, "not everything could be read") {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	st := decodeStatus(t, res.stdout)
	if len(st.Items) != 12 {
		t.Errorf("%d rows, want the 12 of the two readable namespaces", len(st.Items))
	}
	for _, it := range st.Items {
		if it.Namespace != a && it.Namespace != b {
			t.Errorf("row of namespace %s", it.Namespace)
		}
	}
	if len(st.Errors) != 2 || !strings.Contains(st.Errors[0].Message, "missing permission to list backups") || !strings.Contains(st.Errors[0].Message, "-n NAMESPACE") {
		t.Errorf("errors %+v", st.Errors)
	}

	// In its own namespace the same user has everything it needs.
	own := plugin(t, "--kubeconfig", kc, "status")
	if own.code != 0 || !strings.Contains(own.stdout, "6 backups:") {
		t.Errorf("own namespace: exit %d\n%s%s", own.code, own.stdout, own.stderr)
	}
	// Without the namespace list the user still gets the permission line.
	none := plugin(t, "--kubeconfig", kubeconfigFor(t, "restricted", ""), "status", "-A")
	if none.code != 1 || !strings.Contains(none.stdout, "missing permission to list backups (API group pingcap.com) in all namespaces; name a namespace you may read with -n NAMESPACE") {
		t.Errorf("no namespace list: exit %d\n%s%s", none.code, none.stdout, none.stderr)
	}
}

// Two contexts, one unreachable: the other's rows with a CONTEXT column,
// one error line for the dead one, exit 1.
func TestStatusContextsOneUnreachable(t *testing.T) {
	ns := seedFleet(t, "x")
	kc := twoContexts(t, "https://127.0.0.1:1")
	res := plugin(t, "--kubeconfig", kc, "status", "-n", ns, "--contexts", "live,other", "--request-timeout", "5s")
	if res.code != 1 {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	lines := strings.Split(res.stdout, "\n")
	if !strings.HasPrefix(lines[0], "CONTEXT ") || !strings.HasPrefix(lines[1], "live ") {
		t.Errorf("table:\n%s", res.stdout)
	}
	if n := strings.Count(res.stdout, "error: [context other]"); n != 1 {
		t.Errorf("%d error lines for the unreachable context:\n%s", n, res.stdout)
	}
	js := plugin(t, "--kubeconfig", kc, "status", "-n", ns, "--contexts", "other,live", "-o", "json", "--request-timeout", "5s")
	st := decodeStatus(t, js.stdout)
	if len(st.Items) != 6 || st.Items[0].Context != "live" || len(st.Errors) != 1 || st.Errors[0].Context != "other" {
		t.Errorf("json: %d items, errors %+v", len(st.Items), st.Errors)
	}
	bad := plugin(t, "--kubeconfig", kc, "status", "--contexts", "live,nope")
	if bad.code == 0 || !strings.Contains(bad.stderr, `context "nope" is not in the kubeconfig`) || strings.Count(strings.TrimSpace(bad.stderr), "\n") != 0 {
		t.Errorf("unknown context: exit %d, %q", bad.code, bad.stderr)
	}
}

func TestStatusBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"status", "-o", "xml"}, "must be one of wide, json, yaml, name"},
		{[]string{"status", "--watch", "-o", "name"}, "--watch prints changes as they come"},
		{[]string{"status", "--context", "nope"}, "context was not found for specified context: nope"},
		{[]string{"status", "--checkpoint-lag", "banana"}, "--checkpoint-lag"},
		{[]string{"status", "tidb/nightly"}, "status takes no arguments"},
		{[]string{"status", "--contexts", "a", "--all-contexts"}, "cannot be used together"},
		{[]string{"status", "--contexts", "x", "--context", "y"}, "--context cannot be used with --contexts"},
		{[]string{"status", "--contexts", ""}, "--contexts: no context named"},
		{[]string{"status", "-n", "Bad_NS"}, `invalid --namespace "Bad_NS"`},
	} {
		res := plugin(t, tc.args...)
		if res.code == 0 || !strings.Contains(res.stderr, tc.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 || res.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q (want one line with %q)", tc.args, res.code, res.stdout, res.stderr, tc.want)
		}
	}
}

// The watch prints the first list, then a backup created later, and ends
// at once with exit 0 on Ctrl-C.
func TestStatusWatch(t *testing.T) {
	ns := seedFleet(t, "x")
	w := startWatching(t, s.kubeconfig, "status", "-n", ns, "--watch", "-o", "json")
	w.line(t, `"name":"exhausted"`)
	if _, err := s.env.CreateBackup(context.Background(), fixtures.Backup{Group: backup.GroupV2, Namespace: ns, Name: "newcomer", Phase: "RetryFailed",
		Records: []backup.RetryRecord{{RetryNum: 1, DetectFailedAt: ptrTime(time.Now()), ExpectedRetryAt: ptrTime(time.Now().Add(time.Hour))}}}); err != nil {
		t.Fatal(err)
	}
	line := w.line(t, `"name":"newcomer","group":"br.pingcap.com","operator":"v2"`)
	if !strings.Contains(line, `"phase":"RetryFailed"`) { // v2 writes its status in a second request
		line = w.line(t, `"name":"newcomer"`)
	}
	var ch struct {
		Kind, Type string
		Row        struct{ State string }
	}
	if err := json.Unmarshal([]byte(line), &ch); err != nil || ch.Kind != "BackupStatusChange" || ch.Row.State != "Retrying" {
		t.Errorf("change line %q (%v)", line, err)
	}
	w.stop(t)
}

func ptrTime(t time.Time) *time.Time { return &t }

// clusterRole gives a test user a ClusterRole, removed after the test.
func clusterRole(t *testing.T, user, name string, rules ...rbacv1.PolicyRule) {
	t.Helper()
	ctx := context.Background()
	if len(name) > 60 {
		name = name[:60]
	}
	rbac := s.env.Kube.RbacV1()
	if _, err := rbac.ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: user}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = rbac.ClusterRoleBindings().Delete(ctx, name, metav1.DeleteOptions{})
		_ = rbac.ClusterRoles().Delete(ctx, name, metav1.DeleteOptions{})
	})
}

// twoContexts writes a kubeconfig with context "live" (the test cluster)
// and context "other" at server.
func twoContexts(t *testing.T, server string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(s.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	live := cfg.Contexts[cfg.CurrentContext]
	cfg.Clusters["other"] = cfg.Clusters[live.Cluster].DeepCopy()
	cfg.Clusters["other"].Server = server
	other := live.DeepCopy()
	other.Cluster = "other"
	cfg.Contexts["other"] = other
	cfg.Contexts["live"] = live.DeepCopy()
	kc := filepath.Join(t.TempDir(), "two.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	return kc
}

// hungServer accepts connections and never answers.
func hungServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return "https://" + l.Addr().String()
}

// One cluster that cannot be read is the command's one error line, not a
// table that says there are no backups.
func TestStatusOneUnreachableClusterIsOneLine(t *testing.T) {
	kc := twoContexts(t, hungServer(t))
	for _, args := range [][]string{
		{"--kubeconfig", kc, "--context", "other", "status", "--request-timeout", "1s"},
		{"--kubeconfig", kc, "--context", "other", "status", "--watch", "--request-timeout", "1s"},
	} {
		res := plugin(t, args...)
		if res.code != 1 || res.stdout != "" || !strings.Contains(res.stderr, "no answer from the Kubernetes API server") ||
			strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q", args, res.code, res.stdout, res.stderr)
		}
	}
}

// A context that hangs holds back no other: the live context's rows of a
// watch arrive long before the hung one gives up.
func TestStatusWatchHungContextHoldsNoOther(t *testing.T) {
	ns := seedFleet(t, "h")
	kc := twoContexts(t, hungServer(t))
	w := startWatching(t, kc, "status", "-n", ns, "--contexts", "live,other", "--watch", "-o", "json", "--request-timeout", "60s")
	start := time.Now()
	w.line(t, `"context":"live"`)
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("the live context's rows took %s", d)
	}
	w.stop(t)
}

// The watch connections drop and stay down while a backup changes; when
// they come back the change is shown, and no row is printed twice.
func TestStatusWatchSurvivesADroppedConnection(t *testing.T) {
	ns := seedFleet(t, "c")
	p := newCutProxyFor(t, s.cluster, "/backups")
	w := startWatching(t, p.kubeconfig(t, ns), "status", "--watch", "-o", "json")
	for _, name := range []string{"exhausted", "failed", "retrying", "lagging", "healthy-v1", "healthy-v2"} {
		w.line(t, `"name":"`+name+`"`)
	}
	p.cut()
	u := getBackupIn(t, backup.GroupV1, ns, "healthy-v1")
	if err := unstructured.SetNestedField(u.Object, "Running", "status", "phase"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.env.Dynamic.Resource(fixtures.GVR(backup.GroupV1)).Namespace(ns).Update(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	p.resume()
	line := w.line(t, `"name":"healthy-v1"`)
	if !strings.Contains(line, `"type":"MODIFIED"`) || !strings.Contains(line, `"phase":"Running"`) {
		t.Errorf("the change after reconnecting: %s", line)
	}
	// Every line the watch printed, first list and change included.
	seen := map[string]bool{}
	for _, l := range w.stop(t) {
		if seen[l] {
			t.Errorf("printed twice: %s", l)
		}
		seen[l] = true
	}
}
