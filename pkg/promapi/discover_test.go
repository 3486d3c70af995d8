package promapi

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func svc(ns, name string, lbls map[string]string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: lbls},
		Spec:       corev1.ServiceSpec{Ports: ports},
	}
}

func port(name string, n int32) corev1.ServicePort { return corev1.ServicePort{Name: name, Port: n} }

func layout(t *testing.T, name string) Layout {
	t.Helper()
	for _, l := range Layouts {
		if l.Name == name {
			return l
		}
	}
	t.Fatalf("no layout %q", name)
	return Layout{}
}

// labelsOf turns a layout's selector into the labels of a service it
// selects.
func labelsOf(t *testing.T, l Layout) map[string]string {
	t.Helper()
	set, err := labels.ConvertSelectorToLabelsMap(l.Selector)
	if err != nil {
		t.Fatalf("layout %s: %v", l.Name, err)
	}
	return set
}

func TestLayoutsSelectorsParse(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range Layouts {
		if _, err := labels.Parse(l.Selector); err != nil {
			t.Errorf("layout %s: selector %q: %v", l.Name, l.Selector, err)
		}
		if len(l.Ports) == 0 {
			t.Errorf("layout %s names no port", l.Name)
		}
		if seen[l.Name] {
			t.Errorf("layout %s twice", l.Name)
		}
		seen[l.Name] = true
	}
	// The headless governing service comes last: the others are made to
	// be queried.
	if last := Layouts[len(Layouts)-1].Name; last != "prometheus-operator" {
		t.Errorf("the last layout is %s, want prometheus-operator", last)
	}
	if Layouts[0].Name != "kube-prometheus-stack" {
		t.Errorf("the first layout is %s, want kube-prometheus-stack", Layouts[0].Name)
	}
}

func names(services []*corev1.Service) []corev1.Service {
	out := make([]corev1.Service, len(services))
	for i, s := range services {
		out[i] = *s
	}
	return out
}

func TestChooseNamespaceOrder(t *testing.T) {
	l := layout(t, "kube-prometheus")
	web := port("web", 9090)
	all := []*corev1.Service{
		svc("zeta", "prom", nil, web),
		svc("alpha", "prom-b", nil, web),
		svc("alpha", "prom-a", nil, web),
		svc("monitoring", "prom", nil, web),
		svc("tidb", "prom", nil, web),
		svc("backup", "prom", nil, web),
	}
	cases := []struct {
		prefer []string
		want   string // ns/name
	}{
		{nil, "monitoring/prom"},
		{[]string{"tidb"}, "tidb/prom"},
		{[]string{"backup", "tidb"}, "backup/prom"},
		{[]string{"tidb", "backup"}, "tidb/prom"},
		{[]string{"nothing-here", "zeta"}, "zeta/prom"},
		{[]string{"nothing-here"}, "monitoring/prom"},
		{[]string{"monitoring", "tidb"}, "monitoring/prom"},
	}
	for _, c := range cases {
		f := Choose(l, names(all), c.prefer)
		if f == nil {
			t.Errorf("Choose(prefer %v) = nil", c.prefer)
			continue
		}
		if got := f.Service.Namespace + "/" + f.Service.Name; got != c.want {
			t.Errorf("Choose(prefer %v) = %s, want %s", c.prefer, got, c.want)
		}
		if f.Layout != l.Name || f.Service.Port != "web" || f.Service.Scheme != "" {
			t.Errorf("Choose(prefer %v) = %+v", c.prefer, f)
		}
	}
	// Without monitoring or a preferred namespace: namespaces, then names,
	// in alphabetical order (whatever the order of the list).
	rest := []*corev1.Service{all[0], all[1], all[2], all[5]}
	for range 3 {
		f := Choose(l, names(rest), []string{"elsewhere"})
		if f == nil || f.Service.Namespace+"/"+f.Service.Name != "alpha/prom-a" {
			t.Fatalf("Choose = %+v, want alpha/prom-a", f)
		}
		rest[0], rest[1], rest[2], rest[3] = rest[3], rest[0], rest[1], rest[2]
	}
	if f := Choose(l, nil, nil); f != nil {
		t.Errorf("Choose(none) = %+v", f)
	}
}

func TestChoosePort(t *testing.T) {
	stack := layout(t, "kube-prometheus-stack") // http-web, web
	cases := []struct {
		name  string
		ports []corev1.ServicePort
		want  string // "" = skipped
	}{
		{"the layout's first name", []corev1.ServicePort{port("reloader-web", 8080), port("web", 9090), port("http-web", 9090)}, "http-web"},
		{"the layout's second name", []corev1.ServicePort{port("grpc", 10901), port("web", 9091)}, "web"},
		{"9090 by name", []corev1.ServicePort{port("grpc", 10901), port("metrics", 9090)}, "metrics"},
		{"9090 without a name", []corev1.ServicePort{port("grpc", 10901), port("", 9090)}, "9090"},
		{"the only port", []corev1.ServicePort{port("api", 8080)}, "api"},
		{"the only port, unnamed", []corev1.ServicePort{port("", 8080)}, "8080"},
		{"two unknown ports", []corev1.ServicePort{port("a", 8080), port("b", 8081)}, ""},
		{"no port", nil, ""},
	}
	for _, c := range cases {
		f := Choose(stack, []corev1.Service{*svc("monitoring", "p", nil, c.ports...)}, nil)
		got := ""
		if f != nil {
			got = f.Service.Port
		}
		if got != c.want {
			t.Errorf("%s: port %q, want %q", c.name, got, c.want)
		}
	}
	// A service that cannot be used is passed over for the next one, even
	// in a preferred namespace.
	f := Choose(stack, []corev1.Service{
		*svc("tidb", "headless", nil),
		*svc("tidb", "two", nil, port("a", 1), port("b", 2)),
		*svc("monitoring", "p", nil, port("http-web", 9090)),
	}, []string{"tidb"})
	if f == nil || f.Service != (Service{Namespace: "monitoring", Name: "p", Port: "http-web"}) {
		t.Errorf("Choose = %+v, want monitoring/p:http-web", f)
	}
}

func TestDiscoverLayoutOrder(t *testing.T) {
	stack, operated := layout(t, "kube-prometheus-stack"), layout(t, "prometheus-operator")
	kube := fake.NewClientset(
		// prometheus-operator's headless service, in the preferred and in
		// the monitoring namespace: still after any queryable service.
		svc("tidb", "prometheus-operated", labelsOf(t, operated), port("web", 9090)),
		svc("monitoring", "prometheus-operated", labelsOf(t, operated), port("web", 9090)),
		svc("other", "kps-prometheus", labelsOf(t, stack), port("http-web", 9090), port("reloader-web", 8080)),
		// Not Prometheus.
		svc("monitoring", "grafana", map[string]string{"app": "grafana"}, port("http", 3000)),
	)
	f, note := Discover(context.Background(), kube, 5*time.Second, []string{"tidb"})
	if f == nil {
		t.Fatalf("Discover = nil, %q", note)
	}
	want := Found{Service: Service{Namespace: "other", Name: "kps-prometheus", Port: "http-web"}, Layout: "kube-prometheus-stack"}
	if *f != want || note != "" {
		t.Errorf("Discover = %+v, %q; want %+v", *f, note, want)
	}

	// Only the governing service: it is found, the preferred namespace
	// first.
	kube = fake.NewClientset(
		svc("monitoring", "prometheus-operated", labelsOf(t, operated), port("web", 9090)),
		svc("tidb", "prometheus-operated", labelsOf(t, operated), port("web", 9090)),
	)
	f, _ = Discover(context.Background(), kube, 5*time.Second, []string{"tidb"})
	if f == nil || f.Service != (Service{Namespace: "tidb", Name: "prometheus-operated", Port: "web"}) || f.Layout != "prometheus-operator" {
		t.Errorf("Discover = %+v, want tidb/prometheus-operated:web", f)
	}
}

func TestDiscoverEveryLayout(t *testing.T) {
	for _, l := range Layouts {
		kube := fake.NewClientset(svc("ns", "p", labelsOf(t, l), port(l.Ports[0], 9090), port("other", 8080)))
		f, note := Discover(context.Background(), kube, 5*time.Second, nil)
		if f == nil || f.Layout != l.Name || f.Service.Port != l.Ports[0] {
			t.Errorf("layout %s: Discover = %+v, %q", l.Name, f, note)
		}
	}
}

// listRecorder records the namespaces services are listed in, and
// refuses the cluster-wide list (and the namespaces in forbidden).
type listRecorder struct {
	mu        sync.Mutex
	listed    []string
	forbidden map[string]bool
}

func (r *listRecorder) react(a k8stesting.Action) (bool, runtime.Object, error) {
	ns := a.GetNamespace()
	r.mu.Lock()
	r.listed = append(r.listed, ns)
	r.mu.Unlock()
	if ns == "" || r.forbidden[ns] {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "services"}, "",
			errors.New(`User "dev" cannot list resource "services" in API group "" at the cluster scope`))
	}
	return false, nil, nil
}

func TestDiscoverForbiddenFallsBack(t *testing.T) {
	stack := layout(t, "kube-prometheus-stack")
	kube := fake.NewClientset(
		// Not looked in: not preferred, not monitoring.
		svc("elsewhere", "a", labelsOf(t, stack), port("http-web", 9090)),
		svc("monitoring", "kps", labelsOf(t, stack), port("http-web", 9090)),
	)
	r := &listRecorder{forbidden: map[string]bool{"tidb": true}}
	kube.PrependReactor("list", "services", r.react)
	f, note := Discover(context.Background(), kube, 5*time.Second, []string{"tidb", "backups", "tidb"})
	want := Service{Namespace: "monitoring", Name: "kps", Port: "http-web"}
	if f == nil || f.Service != want {
		t.Fatalf("Discover = %+v, %q; want %s", f, note, want)
	}
	// The cluster-wide list once, then the preferred namespaces (each
	// once) and monitoring, in that order.
	if got := strings.Join(r.listed, ","); got != ",tidb,backups,monitoring" {
		t.Errorf("listed in %q, want \",tidb,backups,monitoring\"", got)
	}

	// The preferred namespace's service wins over monitoring's.
	kube = fake.NewClientset(
		svc("monitoring", "kps", labelsOf(t, stack), port("http-web", 9090)),
		svc("backups", "kps", labelsOf(t, stack), port("http-web", 9090)),
	)
	kube.PrependReactor("list", "services", (&listRecorder{}).react)
	f, _ = Discover(context.Background(), kube, 5*time.Second, []string{"backups"})
	if f == nil || f.Service.Namespace != "backups" {
		t.Errorf("Discover = %+v, want backups/kps", f)
	}

	// Nothing where it may look: the note says where, and what to give.
	kube = fake.NewClientset(svc("elsewhere", "a", labelsOf(t, stack), port("http-web", 9090)))
	kube.PrependReactor("list", "services", (&listRecorder{forbidden: map[string]bool{"monitoring": true}}).react)
	f, note = Discover(context.Background(), kube, 5*time.Second, []string{"tidb"})
	if f != nil {
		t.Fatalf("Discover = %+v, want nothing", f)
	}
	for _, want := range []string{"tidb", "monitoring", "--prometheus-url", "--prometheus-service"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q: want %q in it", note, want)
		}
	}
	oneLine(t, note)
}

func TestDiscoverNothing(t *testing.T) {
	kube := fake.NewClientset(svc("monitoring", "grafana", map[string]string{"app": "grafana"}, port("http", 3000)))
	f, note := Discover(context.Background(), kube, 5*time.Second, []string{"tidb"})
	if f != nil {
		t.Fatalf("Discover = %+v, want nothing", f)
	}
	if !strings.Contains(note, "--prometheus-url") || !strings.Contains(note, "no Prometheus service found") {
		t.Errorf("note %q", note)
	}
	oneLine(t, note)

	// No client at all.
	f, note = Discover(context.Background(), nil, time.Second, nil)
	if f != nil || !strings.Contains(note, "--prometheus-url") {
		t.Errorf("Discover(nil) = %+v, %q", f, note)
	}

	// A list that fails otherwise: the API server's message, one line.
	kube = fake.NewClientset()
	kube.PrependReactor("list", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewInternalError(errors.New("etcd is\nunhappy"))
	})
	f, note = Discover(context.Background(), kube, time.Second, nil)
	if f != nil || !strings.Contains(note, "listing services failed") || !strings.Contains(note, "--prometheus-url") {
		t.Errorf("Discover(failing) = %+v, %q", f, note)
	}
	oneLine(t, note)
}

func TestConnectDiscoversNothing(t *testing.T) {
	kube := fake.NewClientset()
	o := Connect(context.Background(), Config{}, Kube{Client: kube}, "tidb")
	if o.Client != nil || o.Error != "" || !strings.Contains(o.Skipped, "--prometheus-url") {
		t.Errorf("Connect = %+v", o)
	}
	o = Connect(context.Background(), Config{Disabled: true, URL: "http://x"}, Kube{Client: kube})
	if o.Client != nil || o.Error != "" || !strings.Contains(o.Skipped, "--no-prometheus") {
		t.Errorf("Connect(--no-prometheus) = %+v", o)
	}
	// Found, but no kubeconfig to proxy through: an error, not a panic.
	stack := layout(t, "kube-prometheus-stack")
	kube = fake.NewClientset(svc("monitoring", "kps", labelsOf(t, stack), port("http-web", 9090)))
	o = Connect(context.Background(), Config{}, Kube{Client: kube})
	if o.Client != nil || !strings.Contains(o.Error, "monitoring/kps:http-web") {
		t.Errorf("Connect(no kubeconfig) = %+v", o)
	}
}

func oneLine(t *testing.T, s string) {
	t.Helper()
	if strings.ContainsAny(s, "\n\r") {
		t.Errorf("%q is not one line", s)
	}
}
