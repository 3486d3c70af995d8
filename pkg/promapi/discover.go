package promapi

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Layout is one common way of running Prometheus in Kubernetes, known by
// the labels of its Service and the name of its port.
type Layout struct {
	Name     string
	Selector string
	// Ports: the port names this layout uses, best first.
	Ports []string
}

// Layouts are looked for in this order: the Services made for people to
// query (kube-prometheus-stack's, kube-prometheus', the Helm chart's,
// TidbMonitor's) before prometheus-operator's headless governing Service,
// which exists beside each of them.
var Layouts = []Layout{
	{"kube-prometheus-stack", "app=kube-prometheus-stack-prometheus", []string{"http-web", "web"}},
	{"kube-prometheus", "app.kubernetes.io/name=prometheus,app.kubernetes.io/part-of=kube-prometheus", []string{"web"}},
	{"Prometheus Helm chart", "app.kubernetes.io/name=prometheus,app.kubernetes.io/component=server", []string{"http"}},
	{"Prometheus Helm chart (before 19)", "app=prometheus,component=server", []string{"http"}},
	{"TidbMonitor", "app.kubernetes.io/managed-by=tidb-operator,app.kubernetes.io/component=monitor,app.kubernetes.io/used-by=prometheus", []string{"http-prometheus"}},
	{"prometheus-operator", "operated-prometheus=true", []string{"web", "http-web"}},
}

// Found is the service discovery chose.
type Found struct {
	Service Service
	Layout  string
}

// maxPerLayout bounds each list: a cluster with more Prometheus services
// of one layout than this is not one to guess in.
const maxPerLayout = 100

// Discover looks for a Prometheus service, layout by layout, in every
// namespace (or, when the user may not list services cluster-wide, in the
// preferred namespaces and "monitoring"). Within a layout the preferred
// namespaces come first, then "monitoring", then by name. With nothing
// found, the note says where it looked and what to give instead.
func Discover(ctx context.Context, kube kubernetes.Interface, timeout time.Duration, prefer []string) (*Found, string) {
	if kube == nil {
		return nil, "no Prometheus given: use --prometheus-url or --prometheus-service"
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, l := range Layouts {
		list, err := kube.CoreV1().Services("").List(ctx, metav1.ListOptions{LabelSelector: l.Selector, Limit: maxPerLayout})
		if apierrors.IsForbidden(err) {
			// Look where a user is likely allowed instead.
			return discoverIn(ctx, kube, fallbackNamespaces(prefer), prefer)
		}
		if err != nil {
			return nil, fmt.Sprintf("no Prometheus found: listing services failed (%s): use --prometheus-url or --prometheus-service", shortAPIError(err))
		}
		if f := Choose(l, list.Items, prefer); f != nil {
			return f, ""
		}
	}
	return nil, "no Prometheus service found in the cluster (looked for kube-prometheus-stack, kube-prometheus, the Prometheus Helm chart, TidbMonitor, prometheus-operator): use --prometheus-url or --prometheus-service"
}

func discoverIn(ctx context.Context, kube kubernetes.Interface, namespaces, prefer []string) (*Found, string) {
	for _, l := range Layouts {
		var found []corev1.Service
		for _, ns := range namespaces {
			list, err := kube.CoreV1().Services(ns).List(ctx, metav1.ListOptions{LabelSelector: l.Selector, Limit: maxPerLayout})
			if err != nil {
				continue // forbidden here too: look in the next one
			}
			found = append(found, list.Items...)
		}
		if f := Choose(l, found, prefer); f != nil {
			return f, ""
		}
	}
	return nil, fmt.Sprintf("no Prometheus service found in %s (you may not list services in all namespaces): use --prometheus-url or --prometheus-service", strings.Join(namespaces, ", "))
}

func fallbackNamespaces(prefer []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, ns := range append(append([]string{}, prefer...), "monitoring") {
		if ns != "" && !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	return out
}

// Choose picks one service of a layout: the preferred namespaces first,
// in the order given, then "monitoring", then namespace and name order.
// A service with no port is skipped.
func Choose(l Layout, services []corev1.Service, prefer []string) *Found {
	rank := func(ns string) int {
		for i, p := range prefer {
			if p == ns {
				return i
			}
		}
		if ns == "monitoring" {
			return len(prefer)
		}
		return len(prefer) + 1
	}
	sorted := append([]corev1.Service(nil), services...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if ra, rb := rank(a.Namespace), rank(b.Namespace); ra != rb {
			return ra < rb
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	for _, s := range sorted {
		if port := choosePort(l, s.Spec.Ports); port != "" {
			return &Found{Service: Service{Namespace: s.Namespace, Name: s.Name, Port: port}, Layout: l.Name}
		}
	}
	return nil
}

// choosePort prefers the layout's port names, then 9090, then the only
// port there is; a port is named as the proxy path wants it (its name, or
// its number when it has none).
func choosePort(l Layout, ports []corev1.ServicePort) string {
	for _, want := range l.Ports {
		for _, p := range ports {
			if p.Name == want {
				return p.Name
			}
		}
	}
	for _, p := range ports {
		if p.Port == 9090 {
			if p.Name != "" {
				return p.Name
			}
			return strconv.Itoa(int(p.Port))
		}
	}
	if len(ports) == 1 {
		if ports[0].Name != "" {
			return ports[0].Name
		}
		return strconv.Itoa(int(ports[0].Port))
	}
	return ""
}

func shortAPIError(err error) string {
	if st, ok := err.(apierrors.APIStatus); ok {
		return cut(st.Status().Message, 200)
	}
	return cut(err.Error(), 200)
}
