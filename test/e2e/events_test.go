package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/stream"
	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// eventsSeed is what seedEvents wrote in a namespace of its own.
type eventsSeed struct {
	v1, v2 *unstructured.Unstructured
	pod    *corev1.Pod
}

// seedEvents writes a v1 backup with a Job and Pod, a v2 backup, their
// events, and decoys: an event of a ConfigMap and one of a Backup of the
// same name but another UID (a deleted namesake), and an event two hours old.
func seedEvents(t *testing.T, env *fixtures.Env, ns string) eventsSeed {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	v1, err := env.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV1, Namespace: ns, Name: "ev-one", Phase: "Running"})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := env.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV2, Namespace: ns, Name: "ev-two", Phase: "Running"})
	if err != nil {
		t.Fatal(err)
	}
	job, pod, err := env.CreateWorkload(ctx, fixtures.Workload{Job: "backup-ev-one", Pod: "backup-ev-one-x1", PodPhase: corev1.PodFailed,
		Backup: v1, JobFailed: true, Created: now.Add(-20 * time.Minute),
		Main: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := env.Kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "ev-one"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	namesake := &metav1.ObjectMeta{Name: "ev-one", Namespace: ns, UID: "0000-deleted-namesake"}
	for _, e := range []fixtures.Event{
		{Object: v1, Kind: "Backup", APIVer: backup.GroupV1 + "/v1alpha1", Type: "Normal", Reason: "RetryStarted", Message: "Started retry attempt 1/3", LastSeen: now.Add(-10 * time.Minute)},
		{Object: job, Kind: "Job", APIVer: "batch/v1", Type: "Warning", Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit", LastSeen: now.Add(-8 * time.Minute), Source: fixtures.SourceJobController},
		{Object: pod, Kind: "Pod", APIVer: "v1", Type: "Normal", Reason: "Started", Message: "Started container backup", LastSeen: now.Add(-9 * time.Minute), Source: "kubelet"},
		{Object: v2, Kind: "Backup", APIVer: backup.GroupV2 + "/v1alpha1", Type: "Warning", Reason: "FailedCreate", Message: "create job failed", LastSeen: now.Add(-5 * time.Minute)},
		{Object: v1, Kind: "Backup", APIVer: backup.GroupV1 + "/v1alpha1", Type: "Normal", Reason: "OldEvent", Message: "long ago", LastSeen: now.Add(-2 * time.Hour)},
		{Object: cm, Kind: "ConfigMap", APIVer: "v1", Type: "Warning", Reason: "DecoyConfigMap", Message: "not a backup", LastSeen: now.Add(-time.Minute)},
		{Object: namesake, Kind: "Backup", APIVer: backup.GroupV1 + "/v1alpha1", Type: "Warning", Reason: "DecoyNamesake", Message: "another backup of this name", LastSeen: now.Add(-time.Minute)},
	} {
		if err := env.CreateEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	return eventsSeed{v1: v1, v2: v2, pod: pod}
}

func eventList(t *testing.T, args ...string) *stream.EventList {
	t.Helper()
	r := plugin(t, append(args, "-o", "json")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var l stream.EventList
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	return &l
}

func reasons(evs []stream.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Reason)
	}
	return strings.Join(out, " ")
}

// Events of a backup of each group, of the Job and Pod the v1 backup owns,
// oldest first; not those of a ConfigMap or of a Backup of the same name
// and another UID. --types and --since filter; NS/NAME keeps one backup.
func TestEventsOfBothGroupsAndOwnedObjects(t *testing.T) {
	const ns = "events-list"
	seedEvents(t, s.env, ns)
	l := eventList(t, "events", "-n", ns)
	if l.Kind != "BackupEventList" || l.APIVersion != "logbackup.github.io/v1alpha1" {
		t.Errorf("kind %s %s", l.APIVersion, l.Kind)
	}
	if got := reasons(l.Items); got != "OldEvent RetryStarted Started BackoffLimitExceeded FailedCreate" {
		t.Errorf("reasons, oldest first: %q", got)
	}
	for _, e := range l.Items {
		want := map[string]string{"FailedCreate": backup.GroupV2}[e.Reason]
		if want == "" {
			want = backup.GroupV1
		}
		if e.Backup.Group != want || e.Namespace != ns {
			t.Errorf("%s: backup %+v in %s", e.Reason, e.Backup, e.Namespace)
		}
		if e.Retry != (e.Reason == "RetryStarted" || e.Reason == "FailedCreate" || e.Reason == "BackoffLimitExceeded") {
			t.Errorf("%s: retry = %v", e.Reason, e.Retry)
		}
	}
	if got := reasons(eventList(t, "events", "-n", ns, "--types", "Warning").Items); got != "BackoffLimitExceeded FailedCreate" {
		t.Errorf("--types Warning: %q", got)
	}
	if got := reasons(eventList(t, "events", "-n", ns, "--since", "30m").Items); got != "RetryStarted Started BackoffLimitExceeded FailedCreate" {
		t.Errorf("--since 30m: %q", got)
	}
	if got := reasons(eventList(t, "events", ns+"/ev-two").Items); got != "FailedCreate" {
		t.Errorf("one backup: %q", got)
	}

	r := plugin(t, "events", "-n", ns, "--since", "30m")
	if r.code != 0 {
		t.Fatalf("text: exit %d %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "LAST SEEN", "BACKUP", "RetryStarted (retry)", "job/backup-ev-one", "pod/backup-ev-one-x1", "backup/ev-two")
	mustNotContain(t, r.stdout, "NAMESPACE", "Decoy")
	r = plugin(t, "events", "-A", "--types", "warning")
	mustContain(t, r.stdout, "NAMESPACE", ns)
	mustNotContain(t, r.stdout, "Decoy", "RetryStarted")
}

// Bad input: one line, non-zero, nothing on stdout.
func TestEventsBadInput(t *testing.T) {
	checkBadInputs(t, []badInput{
		{"since", []string{"events", "--since", "banana"}, `invalid --since "banana": must be a duration`},
		{"output", []string{"events", "-o", "xml"}, `invalid --output "xml": must be one of json, yaml`},
		{"watch name", []string{"events", "--watch", "-o", "name"}, `invalid --output "name"`},
		{"watch yaml", []string{"events", "--watch", "-o", "yaml"}, "--watch prints text or -o json"},
		{"types", []string{"events", "--types", "Normal,Bogus"}, `invalid --types "Normal,Bogus": must be a comma list of Normal, Warning`},
		{"two backups", []string{"events", "a", "b"}, "expected at most one backup"},
		{"backup and -A", []string{"events", "tidb/nightly", "-A"}, "cannot be used together"},
		{"huge since", []string{"events", "--since", "100000h"}, "must be a duration from 0s to 8784h0m0s"},
	})
}

// A user who may read one namespace: -A names the missing permission and
// suggests -n; -n works; a group refused there is said once, as a warning.
func TestEventsRestrictedUser(t *testing.T) {
	const ns = "events-rbac"
	seedEvents(t, s.env, ns)
	read := []string{"get", "list", "watch"}
	grant(t, cluster.UserRestricted, ns,
		rbacv1.PolicyRule{APIGroups: []string{backup.GroupV1}, Resources: []string{"backups"}, Verbs: read},
		rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"events", "pods"}, Verbs: read},
		rbacv1.PolicyRule{APIGroups: []string{"batch"}, Resources: []string{"jobs"}, Verbs: read})
	kc := kubeconfigFor(t, cluster.UserRestricted, ns)
	r := plugin(t, "--kubeconfig", kc, "events", "-A")
	if r.code == 0 {
		t.Fatalf("exit 0 for -A:\n%s", r.stdout)
	}
	assertOneLineError(t, r.stderr, `missing permission to list events (API group "" (core)) in all namespaces; to read one namespace, use -n NAMESPACE`)
	r = plugin(t, "--kubeconfig", kc, "events", "-o", "json")
	if r.code != 0 {
		t.Fatalf("-n: exit %d %s", r.code, r.stderr)
	}
	mustContain(t, r.stdout, "RetryStarted", "BackoffLimitExceeded")
	mustNotContain(t, r.stdout, "FailedCreate") // the v2 backup's: its group is refused
	if strings.Count(r.stderr, "warning: the backups of br.pingcap.com are left out: forbidden: missing permission to list backups") != 1 {
		t.Errorf("the gap is not said once:\n%s", r.stderr)
	}
}

// next waits for a JSON line whose event matches.
func (w *watching) next(t *testing.T, what string, match func(stream.Event) bool) stream.Event {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-w.lines:
			if !ok {
				t.Fatalf("the watch ended before %s; stderr:\n%s", what, w.errText())
			}
			var e stream.Event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("not one JSON object per line: %q", line)
			}
			if match(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no line with %s; stderr:\n%s", what, w.errText())
		}
	}
}

// noneTwice fails when a line (an event at one resourceVersion) repeats.
func noneTwice(t *testing.T, lines []string) map[string]int {
	t.Helper()
	seen := map[string]bool{}
	perReason := map[string]int{}
	for _, line := range lines {
		var e stream.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		key := e.UID + "@" + e.ResourceVersion
		if seen[key] {
			t.Errorf("printed twice: %s", line)
		}
		seen[key] = true
		perReason[e.Reason]++
	}
	return perReason
}

func reason(r string) func(stream.Event) bool {
	return func(e stream.Event) bool { return e.Reason == r }
}

// A watch prints new events, updates of printed ones, the events of a
// backup created later and of the Job and Pod it then runs; Ctrl-C ends it
// at once with exit 0.
func TestEventsWatch(t *testing.T) {
	const ns = "events-watch"
	ctx := context.Background()
	seed := seedEvents(t, s.env, ns)
	w := startWatching(t, s.kubeconfig, "events", "-n", ns, "--watch", "-o", "json")
	w.next(t, "the listed FailedCreate", reason("FailedCreate"))

	if err := s.env.CreateEvent(ctx, fixtures.Event{Object: seed.v2, Kind: "Backup", APIVer: backup.GroupV2 + "/v1alpha1",
		Type: "Warning", Reason: "NewOnV2", Message: "new", LastSeen: time.Now()}); err != nil {
		t.Fatal(err)
	}
	w.next(t, "the new event", reason("NewOnV2"))

	late, err := s.env.CreateBackup(ctx, fixtures.Backup{Group: backup.GroupV1, Namespace: ns, Name: "ev-late", Phase: "Scheduled"})
	if err != nil {
		t.Fatal(err)
	}
	_, pod, err := s.env.CreateWorkload(ctx, fixtures.Workload{Job: "backup-ev-late", Pod: "backup-ev-late-r2", PodPhase: corev1.PodRunning,
		Backup: late, Created: time.Now(), Main: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.env.CreateEvent(ctx, fixtures.Event{Object: pod, Kind: "Pod", APIVer: "v1", Type: "Normal", Reason: "PulledLate",
		Message: "pulled", LastSeen: time.Now(), Source: "kubelet"}); err != nil {
		t.Fatal(err)
	}
	got := w.next(t, "the new pod's event", reason("PulledLate"))
	if got.Backup.Name != "ev-late" || got.Object.Name != "backup-ev-late-r2" {
		t.Errorf("new pod's event: %+v", got)
	}

	bumpEvent(t, s.env.Kube, ns, seed.pod.UID, "Started")
	if e := w.next(t, "the updated event", reason("Started")); e.Count != 2 {
		t.Errorf("updated event has count %d", e.Count)
	}
	counts := noneTwice(t, w.stop(t))
	if counts["Started"] != 2 || counts["RetryStarted"] != 1 || counts["DecoyNamesake"] != 0 {
		t.Errorf("lines per reason: %v", counts)
	}
}

// bumpEvent counts one more occurrence of the event, as a recorder does.
func bumpEvent(t *testing.T, kube kubernetes.Interface, ns string, uid any, reason string) {
	t.Helper()
	ctx := context.Background()
	sel := fields.AndSelectors(fields.OneTermEqualSelector("involvedObject.uid", fmt.Sprint(uid)),
		fields.OneTermEqualSelector("reason", reason)).String()
	list, err := kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: sel})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("event %s: %v %v", reason, list, err)
	}
	e := list.Items[0]
	e.Count++
	e.LastTimestamp = metav1.Now()
	if _, err := kube.CoreV1().Events(ns).Update(ctx, &e, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// cutProxy passes everything to the API server, and can cut the watches
// of one resource (events unless newCutProxyFor names another) and hold
// their reconnection, as a load balancer that restarts.
type cutProxy struct {
	suffix  string // the path suffix of the resource whose watches are cut
	srv     *httptest.Server
	rp      *httputil.ReverseProxy
	lists   atomic.Int32 // LISTs of events
	mu      sync.Mutex
	held    chan struct{} // non-nil while reconnections are held
	watches map[*context.CancelFunc]bool
	failing atomic.Bool // an outage: every request of the resource gets a 503
}

func newCutProxy(t *testing.T, c *cluster.Cluster) *cutProxy {
	t.Helper()
	return newCutProxyFor(t, c, "/events")
}

func newCutProxyFor(t *testing.T, c *cluster.Cluster, suffix string) *cutProxy {
	t.Helper()
	transport, err := rest.TransportFor(c.RestConfig(cluster.UserAdmin))
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(c.Server)
	p := &cutProxy{suffix: suffix, rp: httputil.NewSingleHostReverseProxy(target), watches: map[*context.CancelFunc]bool{}}
	p.rp.Transport = transport
	p.rp.ErrorLog = log.New(io.Discard, "", 0) // a cut watch is the point
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() { p.resume(); p.srv.Close() })
	return p
}

func (p *cutProxy) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, p.suffix) {
		p.rp.ServeHTTP(w, r)
		return
	}
	if p.failing.Load() {
		http.Error(w, "the load balancer has no healthy backend", http.StatusServiceUnavailable)
		return
	}
	if r.URL.Query().Get("watch") != "true" {
		p.lists.Add(1)
		p.rp.ServeHTTP(w, r)
		return
	}
	p.mu.Lock()
	held := p.held
	p.mu.Unlock()
	if held != nil {
		<-held
	}
	ctx, cancel := context.WithCancel(r.Context())
	p.mu.Lock()
	p.watches[&cancel] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.watches, &cancel)
		p.mu.Unlock()
		cancel()
	}()
	p.rp.ServeHTTP(w, r.WithContext(ctx))
}

// cut drops the watches of events and holds their reconnection.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held = make(chan struct{})
	for cancel := range p.watches {
		(*cancel)()
	}
}

// fail drops the watches of the resource and answers every request of it
// with a 503 until resume: an API server outage as a client sees it.
func (p *cutProxy) fail() {
	p.failing.Store(true)
	p.mu.Lock()
	defer p.mu.Unlock()
	for cancel := range p.watches {
		(*cancel)()
	}
}

func (p *cutProxy) resume() {
	p.failing.Store(false)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != nil {
		close(p.held)
		p.held = nil
	}
}

func (p *cutProxy) kubeconfig(t *testing.T, ns string) string {
	t.Helper()
	return proxyKubeconfig(t, p.srv.URL, ns)
}

// The watch connection drops and, before it comes back, the API server
// compacts etcd past the watch's resourceVersion (a cluster of its own,
// without the watch cache, compacting every 2 s): the reconnection gets
// 410 Gone, the plugin lists again, prints the new event and the updated
// one, and nothing it had printed already.
func TestEventsWatchSurvivesCompaction(t *testing.T) {
	ctx := context.Background()
	c, err := cluster.Start(ctx, cluster.Options{APIServerArgs: []string{"--watch-cache=false", "--etcd-compaction-interval=2s"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	kube, err := kubernetes.NewForConfig(c.Admin)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(c.Admin)
	if err != nil {
		t.Fatal(err)
	}
	env := &fixtures.Env{Kube: kube, Dynamic: dyn, Kubelet: c.Kubelet, Node: c.NodeName, Now: time.Now()}
	const ns = "events-compact"
	seed := seedEvents(t, env, ns)
	proxy := newCutProxy(t, c)
	w := startWatching(t, proxy.kubeconfig(t, ns), "events", "--watch", "-o", "json")
	w.next(t, "the listed FailedCreate", reason("FailedCreate"))
	newEvent := func(r string) {
		if err := env.CreateEvent(ctx, fixtures.Event{Object: seed.v1, Kind: "Backup", APIVer: backup.GroupV1 + "/v1alpha1",
			Type: "Normal", Reason: r, Message: r, LastSeen: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	newEvent("BeforeTheCut")
	last := w.next(t, "the event before the cut", reason("BeforeTheCut"))

	proxy.cut()
	newEvent("DuringTheCut")
	bumpEvent(t, kube, ns, seed.v1.GetUID(), "RetryStarted")
	waitCompacted(t, kube, ns, last.ResourceVersion)
	lists := proxy.lists.Load()
	proxy.resume()

	// Both have the same second as their last seen: either comes first.
	for want := map[string]bool{"DuringTheCut": true, "RetryStarted": true}; len(want) > 0; {
		e := w.next(t, "the event of the outage and the updated one", func(e stream.Event) bool { return want[e.Reason] })
		delete(want, e.Reason)
		if e.Reason == "RetryStarted" && e.Count != 2 {
			t.Errorf("updated event has count %d", e.Count)
		}
	}
	time.Sleep(1500 * time.Millisecond) // room for a wrong repeat to show
	if proxy.lists.Load() <= lists {
		t.Error("the events were not listed again: the 410 path was not taken")
	}
	counts := noneTwice(t, w.stop(t))
	if counts["BeforeTheCut"] != 1 || counts["FailedCreate"] != 1 || counts["RetryStarted"] != 2 || counts["DuringTheCut"] != 1 {
		t.Errorf("lines per reason: %v", counts)
	}
}

// waitCompacted waits until a watch from rv is refused with 410 Gone,
// writing now and then so that etcd's revision moves on.
func waitCompacted(t *testing.T, kube kubernetes.Interface, ns, rv string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(40 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		_, _ = kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "tick-"}}, metav1.CreateOptions{})
		if gone(ctx, kube, ns, rv) {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatal("etcd was not compacted past the watch's resourceVersion")
}

func gone(ctx context.Context, kube kubernetes.Interface, ns, rv string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	wt, err := kube.CoreV1().Events(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: rv})
	if err != nil {
		return strings.Contains(err.Error(), "too old") || strings.Contains(err.Error(), "compacted")
	}
	defer wt.Stop()
	select {
	case ev := <-wt.ResultChan():
		if st, ok := ev.Object.(*metav1.Status); ev.Type == watch.Error && ok {
			return st.Code == http.StatusGone
		}
	case <-ctx.Done():
	}
	return false
}

// A backup that does not exist is an error, not an empty list; a name in
// both groups asks for --api-group.
func TestEventsOfMissingBackupIsAnError(t *testing.T) {
	for _, tc := range []struct{ arg, want string }{
		{"tidb/nosuch", "backup tidb/nosuch not found"},
		{"shared/both", "exists in both pingcap.com and br.pingcap.com"},
	} {
		for _, watch := range []bool{false, true} {
			args := []string{"events", tc.arg}
			if watch {
				args = append(args, "--watch")
			}
			res := plugin(t, args...)
			if res.code == 0 || !strings.Contains(res.stderr, tc.want) || res.stdout != "" {
				t.Errorf("%v: exit %d, stdout %q, stderr %q", args, res.code, res.stdout, res.stderr)
			}
		}
	}
}

// Every verb that takes a backup completes it, and status --contexts
// completes context names.
func TestFleetVerbsComplete(t *testing.T) {
	for _, args := range [][]string{{"events", "tidb/"}, {"logs", "tidb/"}} {
		res := plugin(t, append([]string{"__complete"}, args...)...)
		if res.code != 0 || !strings.Contains(res.stdout, "tidb/nightly\n") || !strings.HasSuffix(strings.TrimSpace(res.stdout), ":4") {
			t.Errorf("%v: exit %d\n%s", args, res.code, res.stdout)
		}
	}
	kc := twoContexts(t, "https://127.0.0.1:1")
	res := plugin(t, "--kubeconfig", kc, "__complete", "status", "--contexts", "live,")
	if !strings.Contains(res.stdout, "live,other\n") {
		t.Errorf("--contexts completion:\n%s", res.stdout)
	}
}
