package promapi

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// EnvURL is read when --prometheus-url is not given.
const EnvURL = "KUBECTL_LOGBACKUP_PROMETHEUS_URL"

// DefaultTimeout bounds every query (and the whole metrics section stays
// inside the command's own deadline).
const DefaultTimeout = 10 * time.Second

// maxBodyBytes bounds what is read of one answer: a figure per backup of
// a large fleet is far below it; a server that streams without end is not.
const maxBodyBytes = 32 << 20

// Config says where Prometheus is, from the flags and the environment.
type Config struct {
	// URL of the Prometheus HTTP API (http or https), e.g.
	// https://prometheus.example.com or http://host:9090/prefix.
	URL string
	// URLFromEnv: URL came from EnvURL, not the flag (said in Where).
	URLFromEnv bool
	// BearerTokenFile is read for each connection, never printed.
	BearerTokenFile       string
	CAFile                string
	InsecureSkipTLSVerify bool
	// Service is NS/NAME:PORT (PORT a name or number; NAME may start
	// with "https:"), reached through the API server's service proxy.
	Service string
	// Disabled: --no-prometheus.
	Disabled bool
	// Timeout bounds each request to Prometheus.
	Timeout time.Duration
	// EnvError: EnvURL was set but is not a URL to use; Connect reports
	// it instead of looking for Prometheus.
	EnvError string
}

// Service is a Kubernetes Service and port to proxy to.
type Service struct {
	Namespace, Name, Port string
	// Scheme is "https" when the service speaks TLS, else "".
	Scheme string
}

// String is the flag's own form.
func (s Service) String() string {
	name := s.Name
	if s.Scheme != "" {
		name = s.Scheme + ":" + name
	}
	return s.Namespace + "/" + name + ":" + s.Port
}

// ParseService reads NS/NAME:PORT (or NS/https:NAME:PORT).
func ParseService(v string) (Service, error) {
	ns, rest, ok := strings.Cut(v, "/")
	if !ok {
		return Service{}, fmt.Errorf("--prometheus-service %q: want NAMESPACE/NAME:PORT, e.g. monitoring/prometheus-k8s:9090", v)
	}
	var s Service
	// A scheme only when a name and a port follow: a service may itself
	// be named http or https (NS/https:PORT).
	if scheme, after, ok := strings.Cut(rest, ":"); ok && (scheme == "https" || scheme == "http") && strings.Contains(after, ":") {
		if scheme == "https" {
			s.Scheme = scheme
		}
		rest = after
	}
	name, port, ok := strings.Cut(rest, ":")
	if !ok || port == "" {
		return Service{}, fmt.Errorf("--prometheus-service %q: the port is missing: want NAMESPACE/NAME:PORT, e.g. monitoring/prometheus-k8s:9090", v)
	}
	s.Namespace, s.Name, s.Port = ns, name, port
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return Service{}, fmt.Errorf("--prometheus-service %q: the namespace is not a valid name: %s", v, errs[0])
	}
	if errs := validation.IsDNS1035Label(name); len(errs) > 0 {
		return Service{}, fmt.Errorf("--prometheus-service %q: the service name is not valid: %s", v, errs[0])
	}
	if validation.IsValidPortNum(atoiOr(port, -1)) != nil && len(validation.IsValidPortName(port)) > 0 {
		return Service{}, fmt.Errorf("--prometheus-service %q: the port must be a number 1-65535 or a port name", v)
	}
	return s, nil
}

func atoiOr(s string, def int) int {
	n := 0
	if s == "" || len(s) > 5 {
		return def
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return def
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Validate checks what can be checked without a network.
func (c Config) Validate() error {
	if c.Disabled {
		return nil
	}
	if c.URL != "" && c.Service != "" && !c.URLFromEnv {
		return fmt.Errorf("--prometheus-url and --prometheus-service both say where Prometheus is: give one")
	}
	if c.URL != "" {
		if _, err := parseURL(c.URL); err != nil {
			src := "--prometheus-url"
			if c.URLFromEnv {
				src = EnvURL
			}
			return fmt.Errorf("%s: %v", src, err)
		}
	}
	if c.Service != "" {
		if _, err := ParseService(c.Service); err != nil {
			return err
		}
	}
	return c.checkFiles()
}

// parseURL accepts an absolute http(s) URL without credentials in it
// (they would be printed where the URL is named: use the token file).
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL: want e.g. http://prometheus.monitoring:9090")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("the scheme must be http or https, e.g. http://prometheus.monitoring:9090")
	}
	if u.Host == "" {
		return nil, fmt.Errorf("no host in the URL: want e.g. http://prometheus.monitoring:9090")
	}
	if u.User != nil {
		return nil, fmt.Errorf("the URL holds credentials: put a token in --prometheus-bearer-token-file instead")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("the URL must not have a query or fragment: give the base URL of the Prometheus API")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// checkFiles refuses a token or CA file that cannot be read now: a flag
// that names a missing file is the user's mistake, said before anything
// is asked of the cluster.
func (c Config) checkFiles() error {
	if c.BearerTokenFile != "" {
		if _, err := readToken(c.BearerTokenFile); err != nil {
			return err
		}
	}
	if c.CAFile != "" {
		if _, err := readCA(c.CAFile); err != nil {
			return err
		}
	}
	if (c.BearerTokenFile != "" || c.CAFile != "" || c.InsecureSkipTLSVerify) && c.URL == "" {
		return fmt.Errorf("--prometheus-bearer-token-file, --prometheus-ca-file and --prometheus-insecure-skip-tls-verify go with --prometheus-url (a service is reached with the kubeconfig's credentials)")
	}
	return nil
}
