package stream

import (
	"context"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// MaxControllerPods is the most controller pods read, as in investigate:
// the default selector searches every namespace, and anyone who can create
// pods with the controller's labels could otherwise multiply the streams.
const MaxControllerPods = 4

// controllerPageSize is how many matching pods one list request returns.
const controllerPageSize = 100

// controllerPod is what is needed of a matching pod to choose and read it.
type controllerPod struct {
	namespace, name, container string
	running                    bool
	started                    time.Time
}

// preferred orders pods as investigate does: Running first, then the
// newest started, then by name so that the choice is stable.
func preferred(a, b controllerPod) bool {
	if a.running != b.running {
		return a.running
	}
	if !a.started.Equal(b.started) {
		return a.started.After(b.started)
	}
	return a.namespace+"/"+a.name < b.namespace+"/"+b.name
}

// listControllerPods pages through the pods matching selector (ns ""
// searches every namespace) and keeps the MaxControllerPods preferred
// ones, so memory does not grow with the number of matches. It returns
// them and how many matched in all.
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
			p := &list.Items[i]
			total++
			c := controllerPod{namespace: p.Namespace, name: p.Name, container: controllerContainer(p), running: p.Status.Phase == corev1.PodRunning}
			if p.Status.StartTime != nil {
				c.started = p.Status.StartTime.Time
			}
			best = append(best, c)
			sort.SliceStable(best, func(i, j int) bool { return preferred(best[i], best[j]) })
			best = best[:min(len(best), MaxControllerPods)]
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	return best, total, nil
}

// controllerContainer picks the operator's container in a pod that runs
// more than one, by the names the operators use.
func controllerContainer(p *corev1.Pod) string {
	if len(p.Spec.Containers) == 1 {
		return p.Spec.Containers[0].Name
	}
	for _, want := range []string{"tidb-operator", "manager", "controller-manager"} {
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
