package gather

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
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
	parallel   int
}

// gatherController reads the controller's log from a little before the
// backup's trouble began, keeping only the lines about this backup.
func gatherController(ctx context.Context, kube kubernetes.Interface, ref backup.Ref, q controllerQuery) report.ControllerSection {
	sec := report.ControllerSection{Selector: q.selector, Since: q.since, Pods: []string{}, Lines: []string{}}
	pods, err := kube.CoreV1().Pods(q.namespace).List(ctx, metav1.ListOptions{LabelSelector: q.selector})
	if err != nil {
		sec.Error = sectionError(err, access{verb: "list", resource: "pods", namespace: q.namespace})
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
		pod  string
		scan logScan
	}
	var mu sync.Mutex
	var results []result
	var errs []string
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(q.parallel)
	for i := range pods.Items {
		p := &pods.Items[i]
		name := p.Namespace + "/" + p.Name
		sec.Pods = append(sec.Pods, name)
		g.Go(func() error {
			opts := &corev1.PodLogOptions{
				Container:  controllerContainer(p),
				SinceTime:  &metav1.Time{Time: q.since},
				LimitBytes: &q.limitBytes,
			}
			scan, err := scanLog(gctx, kube, p.Namespace, p.Name, opts, q.keep, match.match)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, name+": "+sectionError(err, access{verb: "get", resource: "pods", subresource: "log", namespace: p.Namespace}))
				return nil // the other pods' lines are still worth showing
			}
			results = append(results, result{pod: name, scan: scan})
			return nil
		})
	}
	_ = g.Wait() // goroutines record their own errors
	sort.Slice(results, func(i, j int) bool { return results[i].pod < results[j].pod })
	sort.Strings(errs)
	for _, r := range results {
		sec.Scanned += r.scan.scanned
		sec.Matched += r.scan.matched
		sec.Truncated = sec.Truncated || r.scan.bytes >= q.limitBytes
		prefix := ""
		if len(pods.Items) > 1 {
			prefix = "[" + r.pod + "] "
		}
		for _, l := range r.scan.lines {
			sec.Lines = append(sec.Lines, prefix+l)
		}
	}
	if n := len(sec.Lines); n > q.keep {
		sec.Lines = sec.Lines[n-q.keep:]
	}
	sec.Error = strings.Join(errs, "; ")
	return sec
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
