package cmdutil

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// PrometheusFlags are the flags that say where Prometheus is; the verbs
// that show metrics share them.
type PrometheusFlags struct {
	URL, BearerTokenFile, CAFile, Service string
	Insecure, Disabled                    bool
	Timeout                               time.Duration
	TaskLabels                            string
}

// Most --task-labels taken: a handful name a cluster.
const maxTaskLabels = 8

// AddPrometheusFlags binds the Prometheus flags; withTaskLabels also
// binds --task-labels (a verb about one backup).
func AddPrometheusFlags(cmd *cobra.Command, withTaskLabels bool) *PrometheusFlags {
	p := &PrometheusFlags{Timeout: promapi.DefaultTimeout}
	f := cmd.Flags()
	f.StringVar(&p.URL, "prometheus-url", "", "Prometheus API base URL, e.g. http://prometheus.monitoring:9090 (also "+promapi.EnvURL+"). Default: a Prometheus service found in the cluster")
	f.StringVar(&p.BearerTokenFile, "prometheus-bearer-token-file", "", "File holding a bearer token for --prometheus-url (never printed)")
	f.StringVar(&p.CAFile, "prometheus-ca-file", "", "PEM file of the CA that signed --prometheus-url's certificate")
	f.BoolVar(&p.Insecure, "prometheus-insecure-skip-tls-verify", false, "Do not check --prometheus-url's certificate (its answers could be forged)")
	f.StringVar(&p.Service, "prometheus-service", "", "Prometheus as NAMESPACE/NAME:PORT, reached through the API server's service proxy with the kubeconfig's credentials")
	f.BoolVar(&p.Disabled, "no-prometheus", false, "Do not query Prometheus")
	AddDurationRange(cmd, &p.Timeout, "prometheus-timeout", time.Second, 5*time.Minute, "Most time spent waiting for Prometheus (finding it, then all the queries)")
	if withTaskLabels {
		f.StringVar(&p.TaskLabels, "task-labels", "", "LABEL=VALUE,... that select this backup's TiDB cluster in the TiKV/TiDB metrics, when several clusters run a task of its name (e.g. tidb_cluster=tidb-basic)")
	}
	return p
}

// Config reads the flags and the environment into a checked config.
func (p *PrometheusFlags) Config(getenv func(string) string) (promapi.Config, promapi.Matchers, error) {
	c := promapi.Config{
		URL:                   p.URL,
		BearerTokenFile:       p.BearerTokenFile,
		CAFile:                p.CAFile,
		InsecureSkipTLSVerify: p.Insecure,
		Service:               p.Service,
		Disabled:              p.Disabled,
		Timeout:               p.Timeout,
	}
	if err := c.Validate(); err != nil {
		return c, nil, err
	}
	if c.URL == "" && c.Service == "" && !c.Disabled && getenv != nil {
		if env := strings.TrimSpace(getenv(promapi.EnvURL)); env != "" {
			// The environment is not a flag of this command: a bad value
			// spoils only what would ask Prometheus, and says so there.
			env := promapi.Config{URL: env, URLFromEnv: true, Timeout: c.Timeout}
			if err := env.Validate(); err != nil {
				c.EnvError = err.Error()
			} else {
				c.URL, c.URLFromEnv = env.URL, true
			}
		}
	}
	labels, err := ParseTaskLabels(p.TaskLabels)
	return c, labels, err
}

// ParseTaskLabels reads LABEL=VALUE,...: label names as Prometheus writes
// them bare, values escaped where the query is written.
func ParseTaskLabels(v string) (promapi.Matchers, error) {
	if v == "" {
		return nil, nil
	}
	var m promapi.Matchers
	for _, part := range strings.Split(v, ",") {
		name, value, ok := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		switch {
		case !ok:
			return nil, fmt.Errorf("--task-labels %q: want LABEL=VALUE,..., e.g. tidb_cluster=tidb-basic", text.Cut(part, 100))
		case !promapi.ValidLabelName(name):
			return nil, fmt.Errorf("--task-labels: %q is not a Prometheus label name (letters, digits, _)", text.Cut(name, 100))
		case name == "task":
			return nil, fmt.Errorf("--task-labels: the task label is the backup's name already; give the cluster's labels")
		case strings.HasPrefix(name, "__"):
			return nil, fmt.Errorf("--task-labels: %s is reserved by Prometheus; give the cluster's labels (e.g. tidb_cluster)", name)
		case len(value) > 1024:
			return nil, fmt.Errorf("--task-labels: the value of %s is longer than 1024 bytes", name)
		}
		m = append(m, promapi.Matcher{Name: name, Value: value})
		if len(m) > maxTaskLabels {
			return nil, fmt.Errorf("--task-labels: at most %d labels", maxTaskLabels)
		}
	}
	return m, nil
}

// PrometheusKube is what finds and reaches a Prometheus through the API
// server: the session's transport (credentials, --as) and client.
func (s *Session) PrometheusKube() promapi.Kube {
	return promapi.Kube{Config: s.Config, Client: s.Clients.Kube}
}
