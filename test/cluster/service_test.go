package cluster

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/test/netns"
)

// testServiceProxy exposes a server of the test through a Service and
// reaches it through the API server's service proxy, by port name and by
// port number; then RemoveService leaves nothing behind.
//
// The server listens on the host end of a netns pair: the API server only
// needs an address that is not loopback, and that one is the host's own.
func testServiceProxy(t *testing.T, admin kubernetes.Interface) {
	ctx := t.Context()
	ns := netns.New(t)
	l, err := net.Listen("tcp", ns.HostIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "echo "+r.URL.Path+"?"+r.URL.RawQuery)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	namespace := createNamespace(t, admin, "svc-proxy")
	b := Backend{Namespace: namespace, Name: "echo", PortName: "http", Port: 80,
		TargetPort: int32(l.Addr().(*net.TCPAddr).Port), IP: ns.HostIP, Labels: map[string]string{"app": "echo"}}
	if err := ExposeService(ctx, admin, b); err != nil {
		t.Fatal(err)
	}
	rc := admin.CoreV1().RESTClient()
	get := func(id string) (string, error) {
		body, err := rc.Get().AbsPath("/api/v1/namespaces", namespace, "services", id, "proxy", "a/b").
			Param("q", "1").DoRaw(ctx)
		return string(body), err
	}
	// The API server sees the EndpointSlice through an informer: 503 "no
	// endpoints available" until it has.
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for body, err = get("echo:http"); err != nil; body, err = get("echo:http") {
		if !apierrors.IsServiceUnavailable(err) || time.Now().After(deadline) {
			t.Fatalf("GET through the service proxy: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if body != "echo /a/b?q=1" {
		t.Errorf("by port name: %q", body)
	}
	if body, err := get("echo:80"); err != nil || body != "echo /a/b?q=1" {
		t.Errorf("by port number: %q, %v", body, err)
	}
	eps, err := rc.Get().AbsPath("/api/v1/namespaces", namespace, "endpoints", "echo").WarningHandler(rest.NoWarnings{}).DoRaw(ctx)
	if err != nil || !strings.Contains(string(eps), `"ip":"`+ns.HostIP+`"`) {
		t.Errorf("endpoints: %s, %v", eps, err)
	}

	if err := RemoveService(ctx, admin, namespace, "echo"); err != nil {
		t.Fatal(err)
	}
	// By port name the proxy reads only EndpointSlices (and its informer
	// may lag): refused, 503. By port number it reads the Service: 404.
	if body, err := get("echo:http"); err == nil {
		t.Errorf("after RemoveService the proxy still answers %q", body)
	}
	if _, err := get("echo:80"); !apierrors.IsNotFound(err) {
		t.Errorf("after RemoveService the proxy answers %v by port number, want not found", err)
	}
	pods, _ := admin.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	slices, _ := admin.DiscoveryV1().EndpointSlices(namespace).List(ctx, metav1.ListOptions{})
	if len(pods.Items)+len(slices.Items) != 0 {
		t.Errorf("left behind: %d pods, %d endpoint slices", len(pods.Items), len(slices.Items))
	}
	if err := RemoveService(ctx, admin, namespace, "echo"); err != nil {
		t.Errorf("a second RemoveService: %v", err)
	}
}
