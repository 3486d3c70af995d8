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

// ControllerPod is what is needed of a matching pod to choose and read it.
type ControllerPod struct {
	Namespace, Name, Container string
	Running                    bool
	Started                    time.Time // zero when not started
}

func (p ControllerPod) String() string { return p.Namespace + "/" + p.Name }

// PreferredPod orders the pods to read: Running first, then the newest
// started, then by name so that the choice is stable.
func PreferredPod(a, b ControllerPod) bool {
	if a.Running != b.Running {
		return a.Running
	}
	if !a.Started.Equal(b.Started) {
		return a.Started.After(b.Started)
	}
	return a.String() < b.String()
}

// ListControllerPods pages through the pods matching selector (ns ""
// searches every namespace) and keeps the MaxControllerPods preferred
// ones, so memory does not grow with the number of matches. It returns
// them sorted by namespace/name, and how many matched in all. investigate
// and logs read the same pods.
func ListControllerPods(ctx context.Context, kube kubernetes.Interface, ns, selector string) ([]ControllerPod, int, error) {
	var best []ControllerPod
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
			c := ControllerPod{Namespace: p.Namespace, Name: p.Name, Container: controllerContainer(p), Running: p.Status.Phase == corev1.PodRunning}
			if p.Status.StartTime != nil {
				c.Started = p.Status.StartTime.Time
			}
			best = append(best, c)
			sort.SliceStable(best, func(i, j int) bool { return PreferredPod(best[i], best[j]) })
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
