package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// holdingProxy stands between the plugin and the API server, as a slow
// proxy or load balancer would: requests that hold matches are held until
// released, and a held request is still sent to the API server after the
// client has gone, as a real proxy that already read it may do. It speaks
// plain HTTP to the plugin and authenticates upstream as the admin.
type holdingProxy struct {
	srv      *httptest.Server
	upstream http.RoundTripper
	target   *url.URL
	hold     func(*http.Request) bool
	// forward: a held request goes on to the API server once released
	// (false: it is dropped, as a proxy that died would).
	forward bool
	// answer replaces the API server's answer to a held request (e.g. a
	// 504 from the proxy); nil passes it through.
	answer func(w http.ResponseWriter)

	seen     chan string   // the path of each held request, when it arrives
	released chan struct{} // closed by release
	once     sync.Once
	done     chan struct{} // closed when a held request has been handled upstream
}

func newHoldingProxy(t *testing.T, hold func(*http.Request) bool, forward bool) *holdingProxy {
	t.Helper()
	transport, err := rest.TransportFor(s.cluster.RestConfig("admin"))
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(s.cluster.Server)
	p := &holdingProxy{upstream: transport, target: target, hold: hold, forward: forward,
		seen: make(chan string, 16), released: make(chan struct{}), done: make(chan struct{}, 16)}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() { p.release(); p.srv.Close() })
	return p
}

func (p *holdingProxy) serve(w http.ResponseWriter, r *http.Request) {
	if !p.hold(r) {
		rp := httputil.NewSingleHostReverseProxy(p.target)
		rp.Transport = p.upstream
		rp.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	p.seen <- r.URL.Path
	<-p.released
	defer func() { p.done <- struct{}{} }()
	if !p.forward {
		panic(http.ErrAbortHandler) // drop the connection, answer nothing
	}
	// The client may have given up; the proxy sends the request anyway.
	out, _ := http.NewRequestWithContext(context.Background(), r.Method, p.target.String()+r.URL.RequestURI(), bytes.NewReader(body))
	out.Header = r.Header.Clone()
	resp, err := p.upstream.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if p.answer != nil {
		p.answer(w)
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func (p *holdingProxy) release() { p.once.Do(func() { close(p.released) }) }

// waitSeen waits for a held request.
func (p *holdingProxy) waitSeen(t *testing.T) string {
	t.Helper()
	select {
	case path := <-p.seen:
		return path
	case <-time.After(30 * time.Second):
		t.Fatal("the proxy saw no request to hold")
	}
	return ""
}

// waitDone waits until a released request was handled upstream.
func (p *holdingProxy) waitDone(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the held request was not handled")
	}
}

// kubeconfig for the plugin to go through the proxy.
func (p *holdingProxy) kubeconfig(t *testing.T, namespace string) string {
	t.Helper()
	return proxyKubeconfig(t, p.srv.URL, namespace)
}

// proxyKubeconfig is a kubeconfig whose one context goes to a test proxy
// (which adds the credentials itself).
func proxyKubeconfig(t *testing.T, server, namespace string) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["proxy"] = &clientcmdapi.Cluster{Server: server}
	cfg.AuthInfos["proxy"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxy", Namespace: namespace}
	cfg.CurrentContext = "proxy"
	path := filepath.Join(t.TempDir(), "proxy.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// running is a plugin process started in the background, so a test can
// send it a signal.
type running struct {
	cmd         *exec.Cmd
	out, errOut bytes.Buffer
}

func startPlugin(t *testing.T, kubeconfig string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	r := &running{}
	r.cmd = exec.CommandContext(ctx, s.bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	r.cmd.Env = append(os.Environ(), "NO_COLOR=1")
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.errOut
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *running) interrupt(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}

// wait returns the result once the process has ended.
func (r *running) wait(t *testing.T) result {
	t.Helper()
	err := r.cmd.Wait()
	res := result{stdout: r.out.String(), stderr: r.errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return res
}
