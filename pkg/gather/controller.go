package gather

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/stream"
)

// Controller pod selectors of the two operators.
const (
	ControllerSelectorV1 = "app.kubernetes.io/name=tidb-operator,app.kubernetes.io/component=controller-manager"
	ControllerSelectorV2 = "app.kubernetes.io/component=tidb-operator"
)

// ControllerSelectorFor returns the default selector for a backup's group.
func ControllerSelectorFor(group string) string {
	if group == backup.GroupV2 {
		return ControllerSelectorV2
	}
	return ControllerSelectorV1
}

// controllerContainers are the container names the operators use, in order
// of preference, for pods that run more than one container.
func controllerContainers() []string {
	return []string{"tidb-operator", "manager", "controller-manager"}
}

// MaxControllerPods is the most controller pods whose log is read. The
// default selector searches every namespace, so anyone who can create pods
// with the controller's labels could otherwise multiply the requests (and
// the shared bound on them) and the memory; Running pods, the newest
// started first, are read, and the section says how many were not.
const MaxControllerPods = 4

// controllerPageSize is how many matching pods one list request returns.
const controllerPageSize = 100

type controllerQuery struct {
	namespace  string // "" = all namespaces
	selector   string
	since      time.Time
	limitBytes int64
	keep       int
	slots      *semaphore.Weighted
}

// controllerPod is what is needed of a matching pod to choose and read it.
type controllerPod struct {
	namespace, name, container string
	running                    bool
	started                    time.Time // zero when not started
}

func (p controllerPod) String() string { return p.namespace + "/" + p.name }

func newControllerPod(p *corev1.Pod) controllerPod {
	c := controllerPod{namespace: p.Namespace, name: p.Name, container: controllerContainer(p), running: p.Status.Phase == corev1.PodRunning}
	if p.Status.StartTime != nil {
		c.started = p.Status.StartTime.Time
	}
	return c
}

// preferred orders the pods to read: Running first, then the newest
// started, then by name so that the choice is stable.
func preferred(a, b controllerPod) bool {
	if a.running != b.running {
		return a.running
	}
	if !a.started.Equal(b.started) {
		return a.started.After(b.started)
	}
	return a.String() < b.String()
}

// listControllerPods returns the MaxControllerPods preferred pods matching
// the selector, sorted by namespace/name, and how many matched in all.
// Pods are listed in pages and only the preferred few are kept, so memory
// does not grow with the number of matching pods.
func listControllerPods(ctx context.Context, kube kubernetes.Interface, ns, selector string) ([]controllerPod, int, error) {
	var best []controllerPod
	total := 0
	opts := metav1.ListOptions{LabelSelector: selector, Limit: controllerPageSize}
	for {
		list, err := kube.CoreV1().Pods(ns).List(ctx, opts)
		if err != nil {
			return nil, 0, err
		}
		for i := range list.Items {
			total++
			best = append(best, newControllerPod(&list.Items[i]))
			sort.SliceStable(best, func(i, j int) bool { return preferred(best[i], best[j]) })
			best = best[:min(len(best), MaxControllerPods)]
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	sort.Slice(best, func(i, j int) bool { return best[i].String() < best[j].String() })
	return best, total, nil
}

// gatherController reads the controller's log from a little before the
// backup's trouble began, keeping only the lines about this backup.
func gatherController(ctx context.Context, kube kubernetes.Interface, ref backup.Ref, q controllerQuery) report.ControllerSection {
	sec := report.ControllerSection{Selector: q.selector, Since: q.since, Pods: []string{}, Lines: []string{}}
	pods, total, err := listControllerPods(ctx, kube, q.namespace, q.selector)
	if err != nil {
		sec.Error = sectionError(backupapi.Access(err, "list", "", "pods", "", q.namespace))
		if q.namespace == "" {
			sec.Error += "; pass --controller-namespace to look in one namespace"
		}
		return sec
	}
	if total == 0 {
		where := "any namespace"
		if q.namespace != "" {
			where = "namespace " + q.namespace
		}
		sec.Error = fmt.Sprintf("controller not found: no pod matches %q in %s; set --controller-namespace and --controller-selector", q.selector, where)
		return sec
	}
	sec.SkippedPods = total - len(pods)
	match := stream.NewLineMatcher(ref)
	// Several controller pods (an old and a new leader): their lines
	// interleave in time, and the last N are the newest of all of them.
	// Each pod's lines join them as soon as its log is read.
	merged := newestLines{keep: q.keep, prefix: len(pods) > 1}
	var mu sync.Mutex
	var errs []string
	g, gctx := errgroup.WithContext(ctx)
	for _, p := range pods {
		name := p.String()
		sec.Pods = append(sec.Pods, name)
		g.Go(func() error {
			if err := q.slots.Acquire(gctx, 1); err != nil {
				return err
			}
			scan, truncated, err := readControllerLog(gctx, kube, p, q, match.Match)
			q.slots.Release(1)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, name+": "+sectionError(backupapi.Access(err, "get", "", "pods", "log", p.namespace)))
				return nil // the other pods' lines are still worth showing
			}
			sec.Scanned += scan.scanned
			sec.Matched += scan.matched
			sec.Truncated = sec.Truncated || truncated
			merged.add(name, scan.lines)
			return nil
		})
	}
	_ = g.Wait() // goroutines record their own errors
	sort.Strings(errs)
	sec.Lines = merged.texts()
	sec.LinesOverBudget = max(min(q.keep, sec.Matched)-len(sec.Lines), 0)
	sec.Error = strings.Join(errs, "; ")
	return sec
}

// mergedLine is a controller line and the pod that logged it.
type mergedLine struct {
	logLine
	pod string
}

// newestLines holds the newest lines of several pods' logs in time order:
// at most keep of them and at most MaxKeptBytes (by keptSize, with the
// "[ns/pod] " prefix when there is one), but always the newest line.
type newestLines struct {
	keep   int
	prefix bool // lines are drawn with "[ns/pod] "
	lines  []mergedLine
}

func (m *newestLines) size(l mergedLine) int64 {
	n := keptSize(l.logLine)
	if m.prefix {
		n += int64(len(l.pod) + len("[] "))
	}
	return n
}

// add merges one pod's lines (oldest first). A line without a timestamp
// sorts right after the line before it in its own log (it was written
// after it), or before every timestamped line when none precedes it; lines
// of the same time keep the order they arrived in.
func (m *newestLines) add(pod string, lines []logLine) {
	if m.keep <= 0 || len(lines) == 0 {
		return
	}
	in := make([]mergedLine, len(lines))
	var last time.Time
	for i, l := range lines {
		if l.At.IsZero() {
			l.At = last
		}
		last = l.At
		in[i] = mergedLine{logLine: l, pod: pod}
	}
	sort.SliceStable(in, func(i, j int) bool { return in[i].At.Before(in[j].At) })
	out := make([]mergedLine, 0, len(m.lines)+len(in))
	i, j := 0, 0
	for i < len(m.lines) && j < len(in) {
		if in[j].At.Before(m.lines[i].At) {
			out = append(out, in[j])
			j++
		} else {
			out = append(out, m.lines[i])
			i++
		}
	}
	out = append(append(out, m.lines[i:]...), in[j:]...)
	var bytes int64
	for _, l := range out {
		bytes += m.size(l)
	}
	drop := 0
	for n := len(out); n-drop > m.keep || bytes > MaxKeptBytes && n-drop > 1; drop++ {
		bytes -= m.size(out[drop])
	}
	clear(out[:drop]) // let the dropped texts go
	m.lines = out[drop:]
}

// texts draws the lines, prefixed with their pod when there are several.
func (m *newestLines) texts() []string {
	out := make([]string, len(m.lines))
	for i, l := range m.lines {
		out[i] = l.Text
		if m.prefix {
			out[i] = "[" + l.pod + "] " + l.Text
		}
	}
	return out
}

// readControllerLog reads one controller pod's log since q.since. When the
// window holds more than limitBytes, the kubelet would return its oldest
// part, but the newest lines matter most (the last retry, the exhaustion):
// then the log is read again from its end, as many lines as fit in
// limitBytes at the average line length just measured.
func readControllerLog(ctx context.Context, kube kubernetes.Interface, p controllerPod, q controllerQuery, match func([]byte) bool) (logScan, bool, error) {
	opts := &corev1.PodLogOptions{
		Container:  p.container,
		SinceTime:  &metav1.Time{Time: q.since},
		LimitBytes: &q.limitBytes,
		Timestamps: true,
	}
	scan, err := scanLog(ctx, kube, p.namespace, p.name, opts, q.keep, match)
	if err != nil || !scan.truncated || scan.scanned == 0 {
		return scan, false, err
	}
	avg := max(scan.bytes/int64(scan.scanned), 1)
	tail := max(q.limitBytes/avg*9/10, 1) // 10% slack for longer lines
	scan = logScan{}                      // let the first read's lines go
	opts.TailLines = &tail
	scan, err = scanLog(ctx, kube, p.namespace, p.name, opts, q.keep, match)
	return scan, true, err
}

func controllerContainer(p *corev1.Pod) string {
	if len(p.Spec.Containers) == 1 {
		return p.Spec.Containers[0].Name
	}
	for _, want := range controllerContainers() {
		for _, c := range p.Spec.Containers {
			if c.Name == want {
				return want
			}
		}
	}
	if len(p.Spec.Containers) > 0 {
		return p.Spec.Containers[0].Name
	}
	return ""
}
