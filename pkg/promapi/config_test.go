package promapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseServiceGood(t *testing.T) {
	cases := []struct {
		in   string
		want Service
	}{
		{"monitoring/prometheus-k8s:9090", Service{Namespace: "monitoring", Name: "prometheus-k8s", Port: "9090"}},
		{"monitoring/prometheus-k8s:web", Service{Namespace: "monitoring", Name: "prometheus-k8s", Port: "web"}},
		{"monitoring/https:prom:9443", Service{Namespace: "monitoring", Name: "prom", Port: "9443", Scheme: "https"}},
		{"monitoring/http:prom:9090", Service{Namespace: "monitoring", Name: "prom", Port: "9090"}},
		{"m/p:1", Service{Namespace: "m", Name: "p", Port: "1"}},
		{"m/p:65535", Service{Namespace: "m", Name: "p", Port: "65535"}},
		{"tidb-cluster/tidb-monitor-prometheus:http-prometheus", Service{Namespace: "tidb-cluster", Name: "tidb-monitor-prometheus", Port: "http-prometheus"}},
		// A service may be named http or https: with one colon it is the
		// name, not a scheme.
		{"monitoring/http:9090", Service{Namespace: "monitoring", Name: "http", Port: "9090"}},
		{"monitoring/https:web", Service{Namespace: "monitoring", Name: "https", Port: "web"}},
		{"monitoring/https:https:8443", Service{Namespace: "monitoring", Name: "https", Port: "8443", Scheme: "https"}},
	}
	for _, c := range cases {
		got, err := ParseService(c.in)
		if err != nil {
			t.Errorf("ParseService(%q): %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseService(%q) = %+v, want %+v", c.in, got, c.want)
		}
		// The flag's own form reads back the same.
		if again, err := ParseService(got.String()); err != nil || again != got {
			t.Errorf("ParseService(%q.String() = %q) = %+v, %v", c.in, got.String(), again, err)
		}
	}
}

func TestParseServiceBad(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "want NAMESPACE/NAME:PORT"},
		{"prometheus-k8s:9090", "want NAMESPACE/NAME:PORT"},
		{"monitoring/prometheus-k8s", "the port is missing"},
		{"monitoring/prometheus-k8s:", "the port is missing"},
		{"monitoring/https:prom:", "the port is missing"},
		{"Monitoring/prometheus-k8s:9090", "the namespace is not a valid name"},
		{"/prometheus-k8s:9090", "the namespace is not a valid name"},
		{"mon_itoring/prometheus-k8s:9090", "the namespace is not a valid name"},
		{"monitoring/:9090", "the service name is not valid"},
		{"monitoring/9prom:9090", "the service name is not valid"},
		{"monitoring/a/b:9090", "the service name is not valid"},
		{"monitoring/prometheus-k8s:0", "the port must be"},
		{"monitoring/prometheus-k8s:65536", "the port must be"},
		{"monitoring/prometheus-k8s:123456", "the port must be"},
		{"monitoring/prometheus-k8s:-1", "the port must be"},
		{"monitoring/prometheus-k8s:web_1", "the port must be"},
		{"monitoring/prometheus-k8s:90:90", "the port must be"},
		{"monitoring/prometheus-k8s:a-very-long-port-name", "the port must be"},
		{"monitoring/prometheus-k8s:9090\n", "the port must be"},
	}
	for _, c := range cases {
		s, err := ParseService(c.in)
		if err == nil {
			t.Errorf("ParseService(%q) = %+v, want an error", c.in, s)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) {
			t.Errorf("ParseService(%q) = %q, want %q in it", c.in, msg, c.want)
		}
		if !strings.HasPrefix(msg, "--prometheus-service ") {
			t.Errorf("ParseService(%q) = %q: does not name the flag first", c.in, msg)
		}
		if strings.ContainsAny(msg, "\n\r") {
			t.Errorf("ParseService(%q) = %q: not one line", c.in, msg)
		}
	}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidate(t *testing.T) {
	token := writeFile(t, "token", []byte("s3cr3t\n"))
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	ca := certPEM(t, tlsSrv)
	notPEM := writeFile(t, "not.pem", []byte("-----BEGIN CERTIFICATE-----\n"))
	twoLines := writeFile(t, "two", []byte("tok\nen\n"))
	control := writeFile(t, "ctl", []byte("tok\x01en"))
	big := writeFile(t, "big", make([]byte, 1<<20+1))
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")

	good := []Config{
		{},
		{URL: "http://prometheus.monitoring:9090"},
		{URL: "https://prometheus.example.com/"},
		{URL: "http://host:9090/prefix/path"},
		{URL: "http://[::1]:9090"},
		{Service: "monitoring/prometheus-k8s:9090"},
		{URL: "https://p.example.com", BearerTokenFile: token, CAFile: ca},
		{URL: "https://p.example.com", InsecureSkipTLSVerify: true},
		// --no-prometheus: nothing else is looked at.
		{Disabled: true, URL: "ftp://x", Service: "bad", BearerTokenFile: missing},
		// The environment's URL gives way to a service flag (Connect
		// prefers the service).
		{URL: "http://from-env:9090", URLFromEnv: true, Service: "monitoring/prometheus-k8s:9090"},
	}
	for _, c := range good {
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%+v): %v", c, err)
		}
	}

	bad := []struct {
		c    Config
		flag string
		want string
	}{
		{Config{URL: "ftp://prometheus:9090"}, "--prometheus-url", "the scheme must be http or https"},
		{Config{URL: "prometheus.monitoring:9090"}, "--prometheus-url", "the scheme must be http or https"},
		{Config{URL: "prometheus.monitoring"}, "--prometheus-url", "the scheme must be http or https"},
		{Config{URL: "http://"}, "--prometheus-url", "no host"},
		{Config{URL: "http:///api"}, "--prometheus-url", "no host"},
		{Config{URL: "http://%zz"}, "--prometheus-url", "not a URL"},
		{Config{URL: "http://host\n:9090"}, "--prometheus-url", "not a URL"},
		{Config{URL: "http://user:pass@prometheus:9090"}, "--prometheus-url", "credentials"},
		{Config{URL: "http://user@prometheus:9090"}, "--prometheus-url", "credentials"},
		{Config{URL: "http://prometheus:9090/?x=1"}, "--prometheus-url", "query or fragment"},
		{Config{URL: "http://prometheus:9090/#top"}, "--prometheus-url", "query or fragment"},
		{Config{URL: "ftp://x", URLFromEnv: true}, EnvURL, "the scheme must be"},
		{Config{URL: "http://p:9090", Service: "monitoring/p:9090"}, "--prometheus-url", "give one"},
		{Config{Service: "monitoring/p"}, "--prometheus-service", "the port is missing"},
		{Config{URL: "http://p:9090", BearerTokenFile: missing}, "--prometheus-bearer-token-file", "no such file"},
		{Config{URL: "http://p:9090", BearerTokenFile: dir}, "--prometheus-bearer-token-file", "not a regular file"},
		{Config{URL: "http://p:9090", BearerTokenFile: big}, "--prometheus-bearer-token-file", "at most 1 MiB"},
		{Config{URL: "http://p:9090", CAFile: missing}, "--prometheus-ca-file", "no such file"},
		{Config{URL: "http://p:9090", CAFile: dir}, "--prometheus-ca-file", "not a regular file"},
		{Config{CAFile: ca}, "--prometheus-ca-file", "go with --prometheus-url"},
		{Config{URL: "http://p:9090", CAFile: notPEM}, "--prometheus-ca-file", "no PEM certificate"},
		{Config{URL: "http://p:9090", BearerTokenFile: twoLines}, "--prometheus-bearer-token-file", "one token on one line"},
		{Config{URL: "http://p:9090", BearerTokenFile: control}, "--prometheus-bearer-token-file", "printable ASCII"},
		{Config{BearerTokenFile: token}, "--prometheus-bearer-token-file", "go with --prometheus-url"},
		{Config{InsecureSkipTLSVerify: true}, "--prometheus-insecure-skip-tls-verify", "go with --prometheus-url"},
		{Config{Service: "monitoring/p:9090", CAFile: ca}, "--prometheus-ca-file", "go with --prometheus-url"},
	}
	for _, b := range bad {
		err := b.c.Validate()
		if err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", b.c)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, b.flag) || !strings.Contains(msg, b.want) {
			t.Errorf("Validate(%+v) = %q, want %q and %q in it", b.c, msg, b.flag, b.want)
		}
		if strings.ContainsAny(msg, "\n\r") {
			t.Errorf("Validate(%+v) = %q: not one line", b.c, msg)
		}
		if strings.Contains(msg, "pass") && strings.Contains(b.c.URL, "pass") {
			t.Errorf("Validate(%+v) = %q: says the URL's password", b.c, msg)
		}
	}
}

func TestParseURLTrimsSlash(t *testing.T) {
	cases := map[string]string{
		"http://p:9090":             "http://p:9090",
		"http://p:9090/":            "http://p:9090",
		"http://p:9090/prefix/":     "http://p:9090/prefix",
		"https://h/k8s/prom//":      "https://h/k8s/prom",
		"HTTP://P:9090/prometheus/": "http://P:9090/prometheus",
	}
	for in, want := range cases {
		u, err := parseURL(in)
		if err != nil {
			t.Errorf("parseURL(%q): %v", in, err)
			continue
		}
		if got := u.String(); got != want {
			t.Errorf("parseURL(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestProxyURL(t *testing.T) {
	cases := []struct {
		host string
		s    Service
		want string
	}{
		{"https://10.0.0.1:6443", Service{Namespace: "monitoring", Name: "prometheus-k8s", Port: "9090"},
			"https://10.0.0.1:6443/api/v1/namespaces/monitoring/services/prometheus-k8s:9090/proxy"},
		{"https://10.0.0.1:6443/", Service{Namespace: "monitoring", Name: "prometheus-k8s", Port: "web"},
			"https://10.0.0.1:6443/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy"},
		// Rancher-style: the API server is behind a path; the prefix stays.
		{"https://rancher.example.com:6443/k8s/clusters/c-123", Service{Namespace: "monitoring", Name: "prom", Port: "9090"},
			"https://rancher.example.com:6443/k8s/clusters/c-123/api/v1/namespaces/monitoring/services/prom:9090/proxy"},
		{"https://rancher.example.com/k8s/clusters/c-123/", Service{Namespace: "monitoring", Name: "prom", Port: "9090"},
			"https://rancher.example.com/k8s/clusters/c-123/api/v1/namespaces/monitoring/services/prom:9090/proxy"},
		{"https://10.0.0.1:6443", Service{Namespace: "monitoring", Name: "prom", Port: "9443", Scheme: "https"},
			"https://10.0.0.1:6443/api/v1/namespaces/monitoring/services/https:prom:9443/proxy"},
		// A query or fragment on the host is not carried over.
		{"https://10.0.0.1:6443/prefix?timeout=5s#x", Service{Namespace: "m", Name: "p", Port: "1"},
			"https://10.0.0.1:6443/prefix/api/v1/namespaces/m/services/p:1/proxy"},
	}
	for _, c := range cases {
		host, err := url.Parse(c.host)
		if err != nil {
			t.Fatal(err)
		}
		before := *host
		got := ProxyURL(host, c.s)
		if got.String() != c.want {
			t.Errorf("ProxyURL(%s, %s) = %s, want %s", c.host, c.s, got, c.want)
		}
		if got.RawQuery != "" || got.Fragment != "" || got.ForceQuery {
			t.Errorf("ProxyURL(%s, %s) = %s: has a query or fragment", c.host, c.s, got)
		}
		if *host != before {
			t.Errorf("ProxyURL changed its host argument: %s", host)
		}
		// client_golang appends /api/v1/query to the address: the
		// prefix and the proxy path stay in front of it.
		if !strings.HasSuffix(got.Path, "/proxy") {
			t.Errorf("ProxyURL(%s, %s) = %s: does not end in /proxy", c.host, c.s, got)
		}
	}
}
