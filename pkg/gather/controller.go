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
	pods, err := kube.CoreV1().Pods(q.namespace).List(ctx, metav1.ListOptions{LabelSelector: q.selector})
	if err != nil {
		sec.Error = sectionError(backupapi.Access(err, "list", "", "pods", "", q.namespace))
		if q.namespace == "" {
			sec.Error += "; pass --controller-namespace to look in one namespace"
		}
		return sec
	}
	if len(pods.Items) == 0 {
		where := "any namespace"
		if q.namespace != "" {
			where = "namespace " + q.namespace
		}
		sec.Error = fmt.Sprintf("controller not found: no pod matches %q in %s; set --controller-namespace and --controller-selector", q.selector, where)
		return sec
	}
	match := newLineMatcher(ref)
	type result struct {
		pod       string
		scan      logScan
		truncated bool
	}
	var mu sync.Mutex
	var results []result
	var errs []string
	g, gctx := errgroup.WithContext(ctx)
	for i := range pods.Items {
		p := &pods.Items[i]
		name := p.Namespace + "/" + p.Name
		sec.Pods = append(sec.Pods, name)
		g.Go(func() error {
			if err := q.slots.Acquire(gctx, 1); err != nil {
				return err
			}
			defer q.slots.Release(1)
			scan, truncated, err := readControllerLog(gctx, kube, p, q, match.match)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, name+": "+sectionError(backupapi.Access(err, "get", "", "pods", "log", p.Namespace)))
				return nil // the other pods' lines are still worth showing
			}
			results = append(results, result{pod: name, scan: scan, truncated: truncated})
			return nil
		})
	}
	_ = g.Wait() // goroutines record their own errors
	sort.Strings(errs)
	var lines []logLine
	for _, r := range results {
		sec.Scanned += r.scan.scanned
		sec.Matched += r.scan.matched
		sec.Truncated = sec.Truncated || r.truncated
		for _, l := range r.scan.lines {
			if len(pods.Items) > 1 {
				l.Text = "[" + r.pod + "] " + l.Text
			}
			lines = append(lines, l)
		}
	}
	// Several controller pods (an old and a new leader): their lines
	// interleave in time, and the last N are the newest of all of them.
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].At.Before(lines[j].At) })
	if n := len(lines); n > q.keep {
		lines = lines[n-q.keep:]
	}
	for _, l := range lines {
		sec.Lines = append(sec.Lines, l.Text)
	}
	sec.Error = strings.Join(errs, "; ")
	return sec
}

// readControllerLog reads one controller pod's log since q.since. When the
// window holds more than limitBytes, the kubelet would return its oldest
// part, but the newest lines matter most (the last retry, the exhaustion):
// then the log is read again from its end, as many lines as fit in
// limitBytes at the average line length just measured.
func readControllerLog(ctx context.Context, kube kubernetes.Interface, p *corev1.Pod, q controllerQuery, match func([]byte) bool) (logScan, bool, error) {
	opts := &corev1.PodLogOptions{
		Container:  controllerContainer(p),
		SinceTime:  &metav1.Time{Time: q.since},
		LimitBytes: &q.limitBytes,
		Timestamps: true,
	}
	scan, err := scanLog(ctx, kube, p.Namespace, p.Name, opts, q.keep, match)
	if err != nil || scan.bytes < q.limitBytes || scan.scanned == 0 {
		return scan, false, err
	}
	tail := max(q.limitBytes/(scan.bytes/int64(scan.scanned))*9/10, 1) // 10% slack for longer lines
	opts.TailLines = &tail
	scan, err = scanLog(ctx, kube, p.Namespace, p.Name, opts, q.keep, match)
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
