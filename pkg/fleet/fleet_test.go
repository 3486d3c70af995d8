package fleet

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/diagnose"
)

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func ts(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }

func obj(group, ns, name string, spec, status map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": group + "/v1alpha1", "kind": "Backup",
		"metadata": map[string]any{"name": name, "namespace": ns, "uid": name + "-uid", "creationTimestamp": ts(-time.Hour)},
		"spec":     spec, "status": status,
	}}
}

func record(n int, detected, expected time.Duration, ran bool) map[string]any {
	r := map[string]any{"retryNum": int64(n), "detectFailedAt": ts(detected), "expectedRetryAt": ts(expected)}
	if ran {
		r["realRetryAt"] = ts(expected)
	}
	return r
}

// One backup per state; each row's state comes from the same model and
// rules as investigate's verdict.
func fixtures() []*unstructured.Unstructured {
	return []*unstructured.Unstructured{
		obj(backup.GroupV1, "a", "healthy", nil, map[string]any{"phase": "Complete"}),
		obj(backup.GroupV1, "a", "exhausted", nil, map[string]any{"phase": "Failed",
			"backoffRetryStatus": []any{record(1, -50*time.Minute, -45*time.Minute, true), record(2, -40*time.Minute, -35*time.Minute, true), record(3, -30*time.Minute, -25*time.Minute, false)},
			"conditions":         []any{map[string]any{"type": "Failed", "status": "True", "reason": "AlreadyFailed", "message": "exceed retry times, max is 2", "lastTransitionTime": ts(-20 * time.Minute)}}}),
		obj(backup.GroupV2, "b", "failed", nil, map[string]any{"phase": "Failed",
			"conditions": []any{map[string]any{"type": "Failed", "status": "True", "reason": "BackupFailed", "lastTransitionTime": ts(-time.Minute)}}}),
		obj(backup.GroupV2, "b", "waiting", nil, map[string]any{"phase": "Scheduled", "backoffRetryStatus": []any{record(1, -2*time.Minute, 3*time.Minute, false)}}),
		obj(backup.GroupV2, "b", "running-retry", nil, map[string]any{"phase": "Running", "backoffRetryStatus": []any{record(1, -10*time.Minute, -5*time.Minute, true)}}),
		obj(backup.GroupV1, "a", "lagging", map[string]any{"backupMode": "log", "logSubcommand": "log-start"}, map[string]any{"phase": "Running", "logCheckpointTs": backup.TSOFromTime(now.Add(-2 * time.Hour))}),
		obj(backup.GroupV1, "a", "bad-records", nil, map[string]any{"phase": "Running", "backoffRetryStatus": "oops"}),
	}
}

func rowOf(t *testing.T, u *unstructured.Unstructured) Row {
	t.Helper()
	b, err := backup.FromUnstructured(u)
	if err != nil {
		t.Fatal(err)
	}
	return NewRow(b, b.Group == backup.GroupV2, now, diagnose.Options{CheckpointLag: diagnose.DefaultCheckpointLag})
}

func TestStatesAndOrder(t *testing.T) {
	var rows []Row
	for _, u := range fixtures() {
		rows = append(rows, rowOf(t, u))
	}
	slices.SortFunc(rows, Less)
	var got []string
	for _, r := range rows {
		got = append(got, r.Name+"="+string(r.State))
	}
	want := []string{"exhausted=Exhausted", "failed=Failed", "running-retry=Retrying", "waiting=Retrying", "lagging=Lagging", "bad-records=Attention", "healthy=Healthy"}
	if !slices.Equal(got, want) {
		t.Fatalf("\n got %v\nwant %v", got, want)
	}
	if r := rows[0]; r.LastFailure != "AlreadyFailed" || r.Retry.Used != 3 || !strings.HasPrefix(r.Verdict.Summary, "Retries exhausted") {
		t.Errorf("exhausted row %+v", r)
	}
	if r := rows[2]; !strings.HasPrefix(r.Verdict.Summary, "Retry 1 of 2 started") {
		t.Errorf("a running retry's verdict is %q", r.Verdict.Summary)
	}
	if r := rows[5]; len(r.Invalid) != 1 || r.Invalid[0] != "status.backoffRetryStatus" {
		t.Errorf("invalid fields %v", r.Invalid)
	}
}

// A long condition message is cut in the row: rows stay small whatever
// an object holds.
func TestRowKeepsLittle(t *testing.T) {
	u := obj(backup.GroupV1, "a", "big", nil, map[string]any{"phase": "Failed",
		"conditions": []any{map[string]any{"type": "Failed", "status": "True", "message": strings.Repeat("x", 1<<20)}}})
	r := rowOf(t, u)
	if n := len(r.Condition.Message); n > 2*maxMessageBytes {
		t.Errorf("the row keeps a %d-byte message", n)
	}
}

// fakeSource is an API server that serves objs as backup lists (both
// groups, by namespace) and the namespaces; forbid refuses the lists of
// all namespaces and of namespace "secret", as RBAC would.
func fakeSource(t *testing.T, objs []*unstructured.Unstructured, forbid bool, namespaces ...string) Source {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if r.URL.Path == "/api/v1/namespaces" {
			var items []any
			for _, ns := range namespaces {
				items = append(items, map[string]any{"metadata": map[string]any{"name": ns}})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"kind": "NamespaceList", "apiVersion": "v1", "metadata": map[string]any{}, "items": items})
			return
		}
		// /apis/GROUP/v1alpha1[/namespaces/NS]/backups
		group, ns := parts[1], ""
		if len(parts) == 6 {
			ns = parts[4]
		}
		if forbid && (ns == "" || ns == "secret") {
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(apierrors.NewForbidden(schema.GroupResource{Group: group, Resource: "backups"}, "", nil).ErrStatus)
			return
		}
		items := []any{}
		for _, o := range objs {
			if strings.HasPrefix(o.GetAPIVersion(), group+"/") && (ns == "" || o.GetNamespace() == ns) {
				items = append(items, o.Object)
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"kind": "BackupList", "apiVersion": group + "/v1alpha1", "metadata": map[string]any{}, "items": items})
	}))
	t.Cleanup(srv.Close)
	kube, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return Source{Clients: backupapi.Clients{Kube: kube}}
}

// A user who may not list a group in all namespaces: one error naming the
// permission and suggesting -n, then the namespaces they may read; a
// refused namespace is counted in a note.
func TestForbiddenAllNamespacesFallsBackToEach(t *testing.T) {
	src := fakeSource(t, fixtures(), true, "a", "b", "secret")
	c := newCollector(now, nil)
	api := backupapi.API{Group: backup.GroupV1, Version: "v1alpha1"}
	collectAPI(context.Background(), src, api, Options{Now: now, Parallel: 2}, c)
	st := c.done()
	if len(st.Items) != 4 { // the v1 backups of a
		t.Errorf("%d rows, want 4", len(st.Items))
	}
	if len(st.Errors) != 1 || !strings.Contains(st.Errors[0].Message, "missing permission to list backups (API group pingcap.com) in all namespaces") ||
		!strings.Contains(st.Errors[0].Message, "-n NAMESPACE") {
		t.Errorf("errors %+v", st.Errors)
	}
	if len(st.Notes) != 1 || !strings.Contains(st.Notes[0].Message, "2 of 3 namespaces could be read, 1 refused") {
		t.Errorf("notes %+v", st.Notes)
	}
}

// --failing keeps only rows that need attention; the summary counts all.
func TestFailingKeepsTheCount(t *testing.T) {
	src := fakeSource(t, fixtures(), false)
	c := newCollector(now, func(r Row) bool { return r.State.NeedsAttention() })
	for _, g := range backupapi.KnownGroups() {
		collectAPI(context.Background(), src, backupapi.API{Group: g, Version: "v1alpha1"}, Options{Now: now, Diagnose: diagnose.Options{CheckpointLag: time.Minute}}, c)
	}
	st := c.done()
	if st.Summary.Total != 7 || st.Summary.Healthy != 1 || len(st.Items) != 6 {
		t.Errorf("summary %+v, %d rows", st.Summary, len(st.Items))
	}
}

// The watch keeps slim objects; what it keeps decodes to the same row.
func TestSlimKeepsTheRow(t *testing.T) {
	for _, u := range fixtures() {
		u.Object["spec"] = map[string]any{"backupMode": u.Object["spec"], "s3": map[string]any{"secretName": "x"},
			"br": map[string]any{"cluster": "basic", "options": []any{"--s3.secret-access-key=x"}}}
		if spec, ok := u.Object["spec"].(map[string]any); ok && spec["backupMode"] == nil {
			delete(spec, "backupMode")
		}
		u.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "kubectl"}})
		full := rowOf(t, u)
		slim, _ := backupapi.Slim(u)
		got := rowOf(t, slim.(*unstructured.Unstructured))
		if got.State != full.State || got.Verdict != full.Verdict || got.Retry.Used != full.Retry.Used {
			t.Errorf("%s: slim row %+v, full %+v", u.GetName(), got, full)
		}
		spec := slim.(*unstructured.Unstructured).Object["spec"].(map[string]any)
		if _, ok := spec["s3"]; ok {
			t.Errorf("%s: slim kept spec.s3", u.GetName())
		}
		if br, _ := spec["br"].(map[string]any); len(br) != 1 || br["cluster"] != "basic" {
			t.Errorf("%s: slim spec.br %v, want the cluster only", u.GetName(), spec["br"])
		}
	}
}

// A watch prints a change only when what the row reads changed: not for
// a list again (same resourceVersion) nor for a label.
func TestSameObject(t *testing.T) {
	a := fixtures()[1]
	a.SetResourceVersion("1")
	sa, _ := backupapi.Slim(a)
	b := a.DeepCopy()
	b.SetResourceVersion("2")
	b.SetLabels(map[string]string{"x": "y"})
	sb, _ := backupapi.Slim(b)
	if !sameObject(sa, sa) || !sameObject(sa, sb) {
		t.Error("a relist or a label edit counts as a change")
	}
	c := b.DeepCopy()
	c.SetResourceVersion("3")
	_ = unstructured.SetNestedField(c.Object, "Complete", "status", "phase")
	sc, _ := backupapi.Slim(c)
	if sameObject(sb, sc) {
		t.Error("a new phase is not a change")
	}
}
