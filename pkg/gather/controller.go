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

// MaxControllerPods is the most controller pods whose log is read. The
// default selector searches every namespace, so anyone who can create pods
// with the controller's labels could otherwise multiply the requests (and
// the shared bound on them) and the memory; Running pods, the newest
// started first, are read, and the section says how many were not.
const MaxControllerPods = stream.MaxControllerPods

type controllerQuery struct {
	namespace  string // "" = all namespaces
	selector   string
	since      time.Time
	limitBytes int64
	keep       int
	slots      *semaphore.Weighted
}

// gatherController reads the controller's log from a little before the
// backup's trouble began, keeping only the lines about this backup.
func gatherController(ctx context.Context, kube kubernetes.Interface, ref backup.Ref, q controllerQuery) report.ControllerSection {
	sec := report.ControllerSection{Selector: q.selector, Since: q.since, Pods: []string{}, Lines: []string{}}
	pods, total, err := stream.ListControllerPods(ctx, kube, q.namespace, q.selector)
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
				errs = append(errs, name+": "+sectionError(backupapi.Access(err, "get", "", "pods", "log", p.Namespace)))
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
	sec.Lines, sec.Times = merged.texts(), merged.times()
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

// times are the lines' times, in the order of texts.
func (m *newestLines) times() []time.Time {
	if len(m.lines) == 0 {
		return nil
	}
	out := make([]time.Time, len(m.lines))
	for i, l := range m.lines {
		out[i] = l.At
	}
	return out
}

// readControllerLog reads one controller pod's log since q.since. When the
// window holds more than limitBytes, the kubelet would return its oldest
// part, but the newest lines matter most (the last retry, the exhaustion):
// then the log is read again from its end, as many lines as fit in
// limitBytes at the average line length just measured.
func readControllerLog(ctx context.Context, kube kubernetes.Interface, p stream.ControllerPod, q controllerQuery, match func([]byte) bool) (logScan, bool, error) {
	opts := &corev1.PodLogOptions{
		Container:  p.Container,
		SinceTime:  &metav1.Time{Time: q.since},
		LimitBytes: &q.limitBytes,
		Timestamps: true,
	}
	scan, err := scanLog(ctx, kube, p.Namespace, p.Name, opts, q.keep, match)
	if err != nil || !scan.truncated || scan.scanned == 0 {
		return scan, false, err
	}
	avg := max(scan.bytes/int64(scan.scanned), 1)
	tail := max(q.limitBytes/avg*9/10, 1) // 10% slack for longer lines
	scan = logScan{}                      // let the first read's lines go
	opts.TailLines = &tail
	scan, err = scanLog(ctx, kube, p.Namespace, p.Name, opts, q.keep, match)
	return scan, true, err
}
