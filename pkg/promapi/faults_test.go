package promapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"k8s.io/client-go/rest"
)

// sample is one series of a fake answer.
type sample struct {
	labels map[string]string
	value  float64
}

// vectorJSON is a Prometheus instant query answer holding samples.
func vectorJSON(samples ...sample) string {
	type series struct {
		Metric map[string]string `json:"metric"`
		Value  [2]any            `json:"value"`
	}
	result := make([]series, 0, len(samples))
	for _, s := range samples {
		m := s.labels
		if m == nil {
			m = map[string]string{}
		}
		result = append(result, series{m, [2]any{1700000000.5, strconv.FormatFloat(s.value, 'f', -1, 64)}})
	}
	b, err := json.Marshal(map[string]any{
		"status": "success",
		"data":   map[string]any{"resultType": "vector", "result": result},
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// answer is what the fake Prometheus says to one query.
type answer struct {
	status int // 0: 200
	body   string
}

func ok(samples ...sample) answer { return answer{body: vectorJSON(samples...)} }

// fakeProm is a Prometheus HTTP API that answers /api/v1/query by the
// query's text (client_golang posts a form, and falls back to GET).
type fakeProm struct {
	t      *testing.T
	prefix string // the path in front of /api/v1/query
	answer func(q string) answer

	mu      sync.Mutex
	queries []string
	auth    []string
}

func (f *fakeProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != f.prefix+"/api/v1/query" {
		f.t.Errorf("fake Prometheus: %s %s, want %s/api/v1/query", r.Method, r.URL.Path, f.prefix)
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("fake Prometheus: form: %v", err)
	}
	q := r.Form.Get("query")
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	a := f.answer(q)
	w.Header().Set("Content-Type", "application/json")
	if a.status != 0 {
		w.WriteHeader(a.status)
	}
	_, _ = w.Write([]byte(a.body))
}

func (f *fakeProm) seen() ([]string, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.queries...), append([]string(nil), f.auth...)
}

// probeOnly answers vector(1), and every other query with a.
func probeOnly(a answer) func(string) answer {
	return func(q string) answer {
		if q == "vector(1)" {
			return ok(sample{value: 1})
		}
		return a
	}
}

// serve starts a server answering every request with status and body.
func serve(t *testing.T, status int, contentType, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func connectURL(t *testing.T, c Config) Outcome {
	t.Helper()
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return Connect(ctx, c, Kube{})
}

// wantFault checks an Outcome is a fault whose one-line reason holds
// every want.
func wantFault(t *testing.T, o Outcome, want ...string) {
	t.Helper()
	if o.Client != nil || o.Skipped != "" {
		t.Errorf("Outcome = %+v, want an error", o)
		return
	}
	if o.Error == "" {
		t.Errorf("Outcome has no error")
		return
	}
	for _, w := range want {
		if !strings.Contains(o.Error, w) {
			t.Errorf("error %q: want %q in it", o.Error, w)
		}
	}
	if strings.ContainsAny(o.Error, "\n\r") {
		t.Errorf("error %q is not one line", o.Error)
	}
}

func TestConnectWorks(t *testing.T) {
	fp := &fakeProm{t: t, prefix: "/prom", answer: probeOnly(ok())}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	o := connectURL(t, Config{URL: srv.URL + "/prom/"})
	if o.Client == nil {
		t.Fatalf("Connect = %+v", o)
	}
	if want := srv.URL + "/prom (--prometheus-url)"; o.Client.Where != want {
		t.Errorf("Where = %q, want %q", o.Client.Where, want)
	}
	o = connectURL(t, Config{URL: srv.URL + "/prom", URLFromEnv: true})
	if o.Client == nil || !strings.HasSuffix(o.Client.Where, "("+EnvURL+")") {
		t.Errorf("Connect(env) = %+v", o)
	}
	if q, _ := fp.seen(); len(q) != 2 || q[0] != "vector(1)" {
		t.Errorf("queries %q, want the probe twice", q)
	}
}

func TestConnectRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	o := connectURL(t, Config{URL: "http://" + addr})
	wantFault(t, o, "http://"+addr+" (--prometheus-url): ", "unreachable", "connection refused")
}

func TestConnectUnknownHost(t *testing.T) {
	// .invalid never resolves (RFC 2606).
	o := connectURL(t, Config{URL: "http://prometheus.invalid:9090"})
	wantFault(t, o, "unreachable")
}

func TestConnectHTTPFaults(t *testing.T) {
	html := "<!DOCTYPE html>\n<html><head><title>Grafana</title></head>\n<body>\nlog in\n</body></html>\n"
	cases := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        []string
		not         []string
	}{
		{"401", 401, "text/plain", "Unauthorized\n", []string{"401", "--prometheus-bearer-token-file"}, nil},
		{"403", 403, "text/plain", "Forbidden\n", []string{"403 Forbidden"}, []string{"services/proxy"}},
		{"404 html", 404, "text/html", html, []string{"404", "is it Prometheus?"}, []string{"Grafana", "<"}},
		{"500", 500, "text/plain", "internal error\nstack trace\n", []string{"the server failed (500)"}, nil},
		{"502 html", 502, "text/html", html, []string{"(502)"}, []string{"<"}},
		{"503", 503, "text/plain", "", []string{"(503)"}, []string{"could not reach the service"}},
		{"garbage json", 200, "application/json", `{"status":"succ`, []string{"not a Prometheus API answer"}, nil},
		{"not json", 200, "text/plain", "\x00\xff\xfegarbage\n\n", []string{"not a Prometheus API answer"}, nil},
		{"html 200", 200, "text/html", html, []string{"not a Prometheus API answer"}, []string{"<"}},
		{"empty 200", 200, "application/json", "", []string{"not a Prometheus API answer"}, nil},
		{"empty vector", 200, "application/json", `{"status":"success","data":{"resultType":"vector","result":[]}}`, []string{"not a Prometheus API answer"}, nil},
		{"wrong value", 200, "application/json", vectorJSON(sample{value: 2}), []string{"not a Prometheus API answer"}, nil},
		{"two series", 200, "application/json", vectorJSON(sample{value: 1}, sample{map[string]string{"a": "b"}, 1}), []string{"not a Prometheus API answer"}, nil},
		{"a scalar", 200, "application/json", `{"status":"success","data":{"resultType":"scalar","result":[1700000000,"1"]}}`, []string{"not a Prometheus API answer"}, nil},
		{"no data", 200, "application/json", `{"status":"success"}`, []string{"not a Prometheus API answer"}, nil},
		{"some other API", 200, "application/json", `{"kind":"Status","status":"Success"}`, []string{"not a Prometheus API answer"}, nil},
		{"prometheus error", 422, "application/json", `{"status":"error","errorType":"execution","error":"query processing\nwould load too many samples"}`, []string{"the query failed: query processing would load too many samples"}, nil},
		{"error type client", 400, "application/json", `{"status":"error","error":"bad\nrequest"}`, []string{"bad request"}, nil},
		{"400 not json", 400, "text/plain", "bad", []string{"400"}, nil},
		{"timeout error", 503, "application/json", `{"status":"error","errorType":"timeout","error":"query timed out"}`, []string{"(503)"}, nil},
		{"200 with an error", 200, "application/json", `{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}`, []string{"--prometheus-timeout"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := serve(t, c.status, c.contentType, c.body)
			o := connectURL(t, Config{URL: srv.URL})
			wantFault(t, o, c.want...)
			if !strings.HasPrefix(o.Error, srv.URL+" (--prometheus-url): ") {
				t.Errorf("error %q does not say which Prometheus first", o.Error)
			}
			for _, n := range c.not {
				if strings.Contains(o.Error, n) {
					t.Errorf("error %q: %q should not be in it", o.Error, n)
				}
			}
		})
	}
}

func TestConnectNeverAnswers(t *testing.T) {
	release := make(chan struct{})
	var started atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	start := time.Now()
	o := connectURL(t, Config{URL: srv.URL, Timeout: time.Second})
	took := time.Since(start)
	wantFault(t, o, "no answer within 1s", "--prometheus-timeout")
	if took > 2500*time.Millisecond {
		t.Errorf("Connect took %s with a 1s timeout", took)
	}
	if started.Load() == 0 {
		t.Error("the server was never asked")
	}
}

func TestConnectBodyNeverEnds(t *testing.T) {
	// Headers come at once; the body stops half way.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vec`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	o := connectURL(t, Config{URL: srv.URL, Timeout: time.Second})
	wantFault(t, o, "no answer within 1s (--prometheus-timeout)")
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Errorf("Connect took %s with a 1s timeout", took)
	}
}

func TestConnectEndlessBody(t *testing.T) {
	var written atomic.Int64
	chunk := []byte(strings.Repeat(" ", 64<<10))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[`))
		// Stop at 1 GiB whatever happens: the test must end.
		for written.Load() < 1<<30 {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil || r.Context().Err() != nil {
				return
			}
		}
	}))
	defer srv.Close()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	o := connectURL(t, Config{URL: srv.URL, Timeout: 60 * time.Second})
	runtime.ReadMemStats(&after)
	wantFault(t, o, "the answer is too large")
	if n := written.Load(); n > 2*maxBodyBytes {
		t.Errorf("the server wrote %d bytes before the client stopped reading", n)
	}
	t.Logf("written %d MiB, allocated %d MiB", written.Load()>>20, (after.TotalAlloc-before.TotalAlloc)>>20)
	// About 4 times the limit (a buffer that doubles), twice that with
	// -race; an unbounded read would allocate the server's whole GiB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16*maxBodyBytes {
		t.Errorf("reading the answer allocated %d MiB", alloc>>20)
	}
}

func TestLimitedBody(t *testing.T) {
	// Exactly maxBodyBytes is read; one byte more is refused.
	for _, c := range []struct {
		size int64
		err  error
	}{{maxBodyBytes, nil}, {maxBodyBytes + 1, errTooLarge}, {0, nil}} {
		rt := limitBody(rtFunc(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: io.NopCloser(io.LimitReader(zeros{}, c.size))}, nil
		}))
		resp, err := rt.RoundTrip(httptest.NewRequest("GET", "http://x/", nil))
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if !errors.Is(err, c.err) {
			t.Errorf("size %d: read %d, %v; want %v", c.size, n, err, c.err)
		}
		// One byte past the limit is how it is told.
		if n > maxBodyBytes+1 {
			t.Errorf("size %d: read %d bytes, more than the limit", c.size, n)
		}
		if err := resp.Body.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	// A transport error passes through, with no response to wrap.
	boom := errors.New("boom")
	rt := limitBody(rtFunc(func(*http.Request) (*http.Response, error) { return nil, boom }))
	if resp, err := rt.RoundTrip(httptest.NewRequest("GET", "http://x/", nil)); resp != nil || !errors.Is(err, boom) {
		t.Errorf("RoundTrip = %v, %v", resp, err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func certPEM(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	return writeFile(t, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
}

func TestConnectTLS(t *testing.T) {
	fp := &fakeProm{t: t, answer: probeOnly(ok())}
	srv := httptest.NewTLSServer(fp)
	defer srv.Close()

	o := connectURL(t, Config{URL: srv.URL})
	wantFault(t, o, "TLS certificate is not trusted", "--prometheus-ca-file")

	ca := certPEM(t, srv)
	if o := connectURL(t, Config{URL: srv.URL, CAFile: ca}); o.Client == nil {
		t.Errorf("Connect with the CA file = %+v", o)
	}
	if o := connectURL(t, Config{URL: srv.URL, InsecureSkipTLSVerify: true}); o.Client == nil {
		t.Errorf("Connect skipping verification = %+v", o)
	}

	// The right CA, a name the certificate does not hold.
	u, _ := url.Parse(srv.URL)
	_, p, _ := net.SplitHostPort(u.Host)
	o = connectURL(t, Config{URL: "https://localhost:" + p, CAFile: ca})
	wantFault(t, o, "TLS certificate is not trusted")

	// A CA file that holds no certificate.
	o = connectURL(t, Config{URL: srv.URL, CAFile: writeFile(t, "bad.pem", []byte("not a certificate\n"))})
	wantFault(t, o, "--prometheus-ca-file", "no PEM certificate")

	// Plain HTTP to the TLS port: the server's 400 is not Prometheus'.
	o = connectURL(t, Config{URL: "http://" + u.Host})
	wantFault(t, o)
}

func TestReasonCertificates(t *testing.T) {
	cert := &x509.Certificate{}
	for _, err := range []error{
		x509.UnknownAuthorityError{Cert: cert},
		&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{Cert: cert}},
		&url.Error{Op: "Post", URL: "https://p", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{Cert: cert}}},
		&url.Error{Op: "Post", URL: "https://p", Err: &tls.CertificateVerificationError{Err: x509.HostnameError{Certificate: cert, Host: "p"}}},
	} {
		if got := Reason(err, false, time.Second); !strings.Contains(got, "--prometheus-ca-file") {
			t.Errorf("Reason(%v) = %q", err, got)
		}
	}
}

func TestReasonOneLine(t *testing.T) {
	errs := []error{
		&promv1.Error{Type: promv1.ErrExec, Msg: "a\nb\r\nc"},
		&promv1.Error{Type: promv1.ErrClient, Msg: "client\nerror"},
		&promv1.Error{Type: promv1.ErrServer, Msg: "server error: 500", Detail: `{"kind":"Status","message":"line one\nline two"}`},
		&promv1.Error{Type: "odd\ntype", Msg: "x\ny"},
		&url.Error{Op: "Post", URL: "http://p", Err: errors.New("first\nsecond")},
		errors.New("plain\nerror"),
		&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("op\nerror")},
	}
	for _, err := range errs {
		got := Reason(err, true, time.Second)
		if got == "" || strings.ContainsAny(got, "\n\r") {
			t.Errorf("Reason(%#v) = %q", err, got)
		}
		if got := Reason(err, false, time.Second); got == "" || strings.ContainsAny(got, "\n\r") {
			t.Errorf("Reason(%#v) = %q", err, got)
		}
	}
	if got := Reason(&promv1.Error{Type: promv1.ErrExec, Msg: strings.Repeat("x", 10000)}, false, time.Second); len(got) > 300 {
		t.Errorf("Reason of a long message is %d bytes", len(got))
	}
	if Reason(nil, false, time.Second) != "" {
		t.Error("Reason(nil) is not empty")
	}
	if got := Reason(fmt.Errorf("x: %w", syscall.ECONNREFUSED), false, 0); got != "unreachable: connection refused" {
		t.Errorf("Reason(refused) = %q", got)
	}
	if got := Reason(fmt.Errorf("x: %w", context.Canceled), false, 0); got != "interrupted" {
		t.Errorf("Reason(canceled) = %q", got)
	}
}

const secretToken = "tok-SECRET-4f1e9a"

func TestBearerToken(t *testing.T) {
	token := writeFile(t, "token", []byte("  "+secretToken+"\n"))

	// Prometheus answers: the token is sent, and said nowhere.
	fp := &fakeProm{t: t, answer: probeOnly(ok())}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	o := connectURL(t, Config{URL: srv.URL, BearerTokenFile: token})
	if o.Client == nil {
		t.Fatalf("Connect = %+v", o)
	}
	if _, auth := fp.seen(); len(auth) != 1 || auth[0] != "Bearer "+secretToken {
		t.Errorf("Authorization = %q, want the token", auth)
	}
	noSecret(t, o)

	// Servers that fail, some saying the token back.
	echo := func(r *http.Request) string { return r.Header.Get("Authorization") }
	fails := []struct {
		status int
		body   func(r *http.Request) string
	}{
		{401, func(r *http.Request) string { return "invalid token " + echo(r) }},
		{403, func(r *http.Request) string { return `{"kind":"Status","message":"token ` + echo(r) + ` may not"}` }},
		{500, func(r *http.Request) string { return "panic: " + echo(r) }},
		{500, func(r *http.Request) string { return `{"kind":"Status","message":"failed for ` + echo(r) + `"}` }},
		{404, func(r *http.Request) string { return `{"kind":"Status","message":"no route for ` + echo(r) + `"}` }},
		{422, func(r *http.Request) string {
			return `{"status":"error","errorType":"execution","error":"bad header ` + echo(r) + `"}`
		}},
		{400, func(r *http.Request) string { return `{"status":"error","error":"bad header ` + echo(r) + `"}` }},
		{200, func(r *http.Request) string {
			return `{"status":"error","errorType":"bad_data","error":"` + echo(r) + `"}`
		}},
		{200, func(r *http.Request) string { return "garbage " + echo(r) }},
	}
	for _, f := range fails {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(f.status)
			_, _ = w.Write([]byte(f.body(r)))
		}))
		o := connectURL(t, Config{URL: srv.URL, BearerTokenFile: token})
		srv.Close()
		if o.Error == "" {
			t.Errorf("%d: Connect = %+v, want an error", f.status, o)
		}
		noSecret(t, o)
	}
}

func noSecret(t *testing.T, o Outcome) {
	t.Helper()
	where := ""
	if o.Client != nil {
		where = o.Client.Where
	}
	for _, s := range []string{o.Error, o.Skipped, where} {
		if strings.Contains(s, secretToken) || strings.Contains(s, secretToken[:8]) {
			t.Errorf("the token is in %q", s)
		}
	}
}

func TestBearerTokenStaysOnItsHost(t *testing.T) {
	token := writeFile(t, "token", []byte(secretToken))
	other := &fakeProm{t: t, answer: probeOnly(ok())}
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	var firstAuth atomic.Value
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		firstAuth.Store(r.Header.Get("Authorization"))
		http.Redirect(w, r, otherSrv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer first.Close()

	o := connectURL(t, Config{URL: first.URL, BearerTokenFile: token})
	if o.Client == nil {
		t.Fatalf("Connect = %+v", o)
	}
	if got, _ := firstAuth.Load().(string); got != "Bearer "+secretToken {
		t.Errorf("the URL's host got Authorization %q", got)
	}
	if _, auth := other.seen(); len(auth) == 0 || auth[0] != "" {
		t.Errorf("the host redirected to got Authorization %q", auth)
	}
}

func TestBearerTokenFileFaults(t *testing.T) {
	srv := serve(t, 200, "application/json", vectorJSON(sample{value: 1}))
	for _, content := range []string{"", "  \n", "a\nb\n", "a\rb"} {
		o := connectURL(t, Config{URL: srv.URL, BearerTokenFile: writeFile(t, "token", []byte(content))})
		wantFault(t, o, "--prometheus-bearer-token-file", "one token on one line")
	}
	// Gone between Validate and Connect.
	p := writeFile(t, "token", []byte("x"))
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	wantFault(t, connectURL(t, Config{URL: srv.URL, BearerTokenFile: p}), "--prometheus-bearer-token-file")
}

const proxyPath = "/api/v1/namespaces/monitoring/services/prometheus-k8s:9090/proxy"

func TestConnectThroughProxy(t *testing.T) {
	fp := &fakeProm{t: t, prefix: "/k8s/clusters/c-123" + proxyPath, answer: probeOnly(ok())}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	cfg := &rest.Config{Host: srv.URL + "/k8s/clusters/c-123", BearerToken: secretToken}
	o := Connect(context.Background(), Config{Service: "monitoring/prometheus-k8s:9090", Timeout: 5 * time.Second}, Kube{Config: cfg})
	if o.Client == nil {
		t.Fatalf("Connect = %+v", o)
	}
	if want := "service monitoring/prometheus-k8s:9090 through the API server (--prometheus-service)"; o.Client.Where != want {
		t.Errorf("Where = %q, want %q", o.Client.Where, want)
	}
	// The kubeconfig's credentials go to the API server.
	if _, auth := fp.seen(); len(auth) != 1 || auth[0] != "Bearer "+secretToken {
		t.Errorf("Authorization = %q", auth)
	}
	noSecret(t, o)
}

// k8sStatus is the API server's refusal.
func k8sStatus(code int, reason, msg string) string {
	b, _ := json.Marshal(map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": msg, "reason": reason, "code": code,
	})
	return string(b)
}

func TestProxyFaults(t *testing.T) {
	forbidden := `services "prometheus-k8s:9090" is forbidden: User "dev" cannot get resource "services/proxy" in API group "" in the namespace "monitoring"`
	cases := []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"403", 403, k8sStatus(403, "Forbidden", forbidden), []string{"forbidden (403)", "get and create on services/proxy", `User "dev" cannot get resource`}},
		{"503", 503, k8sStatus(503, "ServiceUnavailable", `no endpoints available for service "prometheus-k8s:9090"`), []string{"could not reach the service (503)", "no endpoints available"}},
		{"401", 401, k8sStatus(401, "Unauthorized", "Unauthorized"), []string{"refused the kubeconfig's credentials (401)"}},
		{"404", 404, k8sStatus(404, "NotFound", `services "prometheus-k8s" not found`), []string{"404", `services "prometheus-k8s" not found`}},
		{"500 status", 500, k8sStatus(500, "InternalError", "error trying to reach service: dial tcp 10.0.0.9:9090: connect: connection refused"), []string{"(500)", "error trying to reach service"}},
		{"502 html", 502, "<html>\n<body>Bad Gateway</body>\n</html>", []string{"(502)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var paths []string
			var mu sync.Mutex
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				paths = append(paths, r.URL.Path)
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			o := Connect(context.Background(), Config{Service: "monitoring/prometheus-k8s:9090", Timeout: 5 * time.Second}, Kube{Config: &rest.Config{Host: srv.URL}})
			wantFault(t, o, append([]string{"service monitoring/prometheus-k8s:9090 through the API server"}, c.want...)...)
			mu.Lock()
			defer mu.Unlock()
			for _, p := range paths {
				if p != proxyPath+"/api/v1/query" {
					t.Errorf("asked %s", p)
				}
			}
		})
	}
}

func TestProxyClientNoConfig(t *testing.T) {
	if _, err := proxyClient(nil, Service{Namespace: "m", Name: "p", Port: "1"}, "x"); err == nil || !strings.Contains(err.Error(), "m/p:1") {
		t.Errorf("proxyClient(nil) = %v", err)
	}
	o := Connect(context.Background(), Config{Service: "monitoring/p:9090"}, Kube{})
	wantFault(t, o, "no kubeconfig")
}

func TestConnectGetFallback(t *testing.T) {
	// A Prometheus behind a proxy that allows GET only.
	fp := &fakeProm{t: t, answer: probeOnly(ok())}
	var methods []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		methods = append(methods, r.Method)
		mu.Unlock()
		if r.Method != http.MethodGet {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		fp.ServeHTTP(w, r)
	}))
	defer srv.Close()
	o := connectURL(t, Config{URL: srv.URL})
	if o.Client == nil {
		t.Fatalf("Connect = %+v", o)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(methods, ",") != "POST,GET" {
		t.Errorf("methods %v, want POST then GET", methods)
	}
}
