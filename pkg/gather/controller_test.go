package gather

import (
	"github.com/logbackup/kubectl-logbackup/pkg/stream"

	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/semaphore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// The newest lines of three pods, whatever order their reads finish in,
// in time order and with their pod; a line without a timestamp stays after
// the line before it in its own log.
func TestNewestLinesMergesPods(t *testing.T) {
	a := []logLine{{At: sec(1), Text: "a1"}, {At: sec(4), Text: "a4"}, {At: sec(7), Text: "a7"}}
	b := []logLine{{At: sec(2), Text: "b2"}, {At: sec(5), Text: "b5"}, {Text: "b5+"}, {At: sec(8), Text: "b8"}}
	c := []logLine{{At: sec(3), Text: "c3"}, {At: sec(6), Text: "c6"}, {At: sec(9), Text: "c9"}}
	want := "[ns/b] b5+|[ns/c] c6|[ns/a] a7|[ns/b] b8|[ns/c] c9"
	for _, order := range [][]string{{"a", "b", "c"}, {"c", "a", "b"}, {"b", "c", "a"}} {
		m := newestLines{keep: 5, prefix: true}
		for _, p := range order {
			m.add("ns/"+p, map[string][]logLine{"a": a, "b": b, "c": c}[p])
		}
		if got := strings.Join(m.texts(), "|"); got != want {
			t.Errorf("pods read in order %v: %s, want %s", order, got, want)
		}
	}
	// One pod: no prefix. Equal times keep the order they arrived in.
	m := newestLines{keep: 10}
	m.add("ns/a", []logLine{{At: sec(1), Text: "first"}, {At: sec(1), Text: "second"}})
	m.add("ns/b", []logLine{{At: sec(1), Text: "third"}})
	if got := strings.Join(m.texts(), "|"); got != "first|second|third" {
		t.Errorf("ties: %s", got)
	}
	// keep 0 keeps nothing; texts is never nil (JSON "lines": []).
	m = newestLines{keep: 0}
	m.add("ns/a", a)
	if got := m.texts(); got == nil || len(got) != 0 {
		t.Errorf("keep 0: %q", got)
	}
}

// Merged lines stay within the byte budget whatever keep is.
func TestNewestLinesByteBudget(t *testing.T) {
	m := newestLines{keep: 10000, prefix: true}
	long := strings.Repeat("x", MaxLineBytes)
	for p := range 8 {
		lines := make([]logLine, 500)
		for i := range lines {
			lines[i] = logLine{At: sec(i*8 + p), Text: long}
		}
		m.add(fmt.Sprintf("ns/pod-%d", p), lines)
	}
	var kept int64
	for _, l := range m.lines {
		kept += m.size(l)
	}
	if kept > MaxKeptBytes || len(m.lines) < 400 {
		t.Errorf("%d lines, %d bytes kept; budget %d", len(m.lines), kept, MaxKeptBytes)
	}
	if last := m.lines[len(m.lines)-1]; !last.At.Equal(sec(499*8 + 7)) {
		t.Errorf("newest line dropped: last is at %v", last.At)
	}
}

type fakePod struct {
	ns, name string
	phase    corev1.PodPhase
	started  time.Duration // before t0; 0 = not started
}

// controllerServer serves a list of controller pods in two pages and their
// logs: pod k logs "k-j tidb/nightly" at second 10*j+k, and lines about
// nothing in between.
func controllerServer(t *testing.T, pods []fakePod) (srv *httptest.Server, asked func() []string, peak func() int) {
	var (
		mu             sync.Mutex
		logs           []string
		inFlight, most int
	)
	index := map[string]int{}
	for k, p := range pods {
		index[p.ns+"/"+p.name] = k
	}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/pods" {
			items := make([]corev1.Pod, len(pods))
			for i, p := range pods {
				items[i] = corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: p.ns, Name: p.name},
					Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "tidb-operator"}}},
					Status: corev1.PodStatus{Phase: p.phase}}
				if p.started > 0 {
					items[i].Status.StartTime = &metav1.Time{Time: t0.Add(-p.started)}
				}
			}
			list := corev1.PodList{Items: items[:3]}
			if r.URL.Query().Get("continue") == "" {
				list.Continue = "page-2"
			} else {
				list.Items = items[3:]
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(list)
			return
		}
		parts := strings.Split(r.URL.Path, "/") // "", api, v1, namespaces, NS, pods, NAME, log
		if len(parts) != 8 || parts[7] != "log" || r.URL.Query().Get("container") != "tidb-operator" {
			http.Error(w, "unexpected "+r.URL.String(), http.StatusBadRequest)
			return
		}
		name := parts[4] + "/" + parts[6]
		mu.Lock()
		logs = append(logs, name)
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		time.Sleep(20 * time.Millisecond) // let the other reads pile up
		k := index[name]
		for j := range 5 {
			fmt.Fprintf(w, "%s %d-%d tidb/nightly\n", sec(10*j+k).Format(time.RFC3339Nano), k, j)
			fmt.Fprintf(w, "%s about something else\n", sec(10*j+k).Format(time.RFC3339Nano))
		}
	}))
	asked = func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := append([]string(nil), logs...)
		sort.Strings(out)
		return out
	}
	peak = func() int { mu.Lock(); defer mu.Unlock(); return most }
	return srv, asked, peak
}

// Six pods match the selector: four are read, Running ones first and the
// newest started first, never more at once than MaxControllerPods even
// with a larger shared bound, and the section says two were not read.
func TestControllerReadsAtMostFourPods(t *testing.T) {
	pods := []fakePod{
		{"ops", "ctl-oldest", corev1.PodRunning, 60 * time.Minute},
		{"ops", "ctl-a", corev1.PodRunning, 30 * time.Minute},
		{"ops", "ctl-b", corev1.PodRunning, 10 * time.Minute},
		{"other", "pending", corev1.PodPending, 0},
		{"other", "new-1", corev1.PodRunning, 5 * time.Minute},
		{"other", "new-2", corev1.PodRunning, time.Minute},
	}
	srv, asked, peak := controllerServer(t, pods)
	defer srv.Close()
	kube, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	q := controllerQuery{selector: ControllerSelectorV1, since: t0.Add(-time.Hour), limitBytes: 1 << 20, keep: 6, slots: semaphore.NewWeighted(8)}
	s := gatherController(context.Background(), kube, backup.Ref{Namespace: "tidb", Name: "nightly"}, q)
	if s.Error != "" {
		t.Fatal(s.Error)
	}
	read := "ops/ctl-a,ops/ctl-b,other/new-1,other/new-2"
	if strings.Join(s.Pods, ",") != read || strings.Join(asked(), ",") != read || s.SkippedPods != 2 {
		t.Errorf("pods %v, logs read %v, skipped %d; want %s and 2 skipped", s.Pods, asked(), s.SkippedPods, read)
	}
	if peak() > MaxControllerPods {
		t.Errorf("%d logs read at once", peak())
	}
	if s.Scanned != 40 || s.Matched != 20 || s.Truncated || s.LinesOverBudget != 0 {
		t.Errorf("scanned %d matched %d truncated %v over budget %d", s.Scanned, s.Matched, s.Truncated, s.LinesOverBudget)
	}
	// Pods k = 1, 2, 4 and 5 log at seconds 10j+k: the newest six are at
	// seconds 34, 35, 41, 42, 44 and 45.
	want := "[other/new-1] 4-3 tidb/nightly|[other/new-2] 5-3 tidb/nightly|" +
		"[ops/ctl-a] 1-4 tidb/nightly|[ops/ctl-b] 2-4 tidb/nightly|[other/new-1] 4-4 tidb/nightly|[other/new-2] 5-4 tidb/nightly"
	if got := strings.Join(s.Lines, "|"); got != want {
		t.Errorf("lines:\n%s\nwant\n%s", got, want)
	}
}

// Fewer Running pods than the cap: the newest started of the rest fill it.
func TestPreferredControllerPods(t *testing.T) {
	cp := func(name string, running bool, ago time.Duration) stream.ControllerPod {
		p := stream.ControllerPod{Namespace: "ns", Name: name, Running: running}
		if ago > 0 {
			p.Started = t0.Add(-ago)
		}
		return p
	}
	pods := []stream.ControllerPod{cp("done-old", false, time.Hour), cp("run-old", true, time.Hour), cp("never", false, 0),
		cp("done-new", false, time.Minute), cp("run-new", true, 2*time.Hour+0), cp("done-mid", false, 10*time.Minute)}
	sort.SliceStable(pods, func(i, j int) bool { return stream.PreferredPod(pods[i], pods[j]) })
	var got []string
	for _, p := range pods {
		got = append(got, p.Name)
	}
	if strings.Join(got, ",") != "run-old,run-new,done-new,done-mid,done-old,never" {
		t.Errorf("order: %v", got)
	}
}

// The memory figure of the controller section's worst case: 8 pods of
// 10,000 matching 8 KiB lines each (2,000 with -short or -race) with
// --controller-tail 10000, read at
// most 4 at a time and merged as each finishes, as gatherController does.
// The kept lines never exceed the budget of the scans running at once plus
// the merged ones.
func TestControllerWorkloadMemory(t *testing.T) {
	const pods, keep = 8, 10000
	lines := 10000
	if testing.Short() || raceEnabled {
		lines = 2000 // 16 MB a pod, four times the budget
	}
	var stats runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&stats)
	base := stats.HeapInuse
	stop := make(chan struct{})
	heapPeak := make(chan uint64)
	go func() {
		var most uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				heapPeak <- most
				return
			case <-tick.C:
				var s runtime.MemStats
				runtime.ReadMemStats(&s)
				most = max(most, s.HeapInuse)
			}
		}
	}()
	merged := newestLines{keep: keep, prefix: true}
	var mu sync.Mutex
	var scansPeak int64
	slots := semaphore.NewWeighted(MaxControllerPods)
	var wg sync.WaitGroup
	for p := range pods {
		wg.Go(func() {
			_ = slots.Acquire(context.Background(), 1)
			defer slots.Release(1)
			src := newLineSource(lines, func(i int, buf []byte) []byte {
				buf = sec(i*pods+p).AppendFormat(buf, time.RFC3339Nano)
				return filler(MaxLineBytes-len(buf)-1)(i, append(buf, ' '))
			})
			s, err := scanLines(src, 1<<30, keep, true, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			scansPeak = max(scansPeak, s.peakKept)
			merged.add(fmt.Sprintf("tidb-admin/controller-%d", p), s.lines)
		})
	}
	wg.Wait()
	close(stop)
	peak := <-heapPeak
	total := mergedBytes(&merged)
	t.Logf("%d pods x %d lines x %d B, keep %d: one scan kept at most %d B; merged %d lines, %d B; "+
		"so at most %d B kept at once (%d scans and the merged lines); heap in use (garbage too) peaked %d MB above the start",
		pods, lines, MaxLineBytes, keep, scansPeak, len(merged.lines), total,
		MaxControllerPods*scansPeak+total, MaxControllerPods, (int64(peak)-int64(base))>>20)
	if scansPeak > MaxKeptBytes || total > MaxKeptBytes {
		t.Errorf("over the budget")
	}
	if last := merged.texts()[len(merged.lines)-1]; !strings.HasPrefix(last, fmt.Sprintf("[tidb-admin/controller-7] line %d ", lines-1)) {
		t.Errorf("the newest line is missing: %.60q", last)
	}
}

func mergedBytes(m *newestLines) int64 {
	var n int64
	for _, l := range m.lines {
		n += m.size(l)
	}
	return n
}
