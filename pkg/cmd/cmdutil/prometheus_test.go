package cmdutil

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
)

func TestParseTaskLabelsGood(t *testing.T) {
	cases := []struct {
		in   string
		want promapi.Matchers
	}{
		{"", nil},
		{"tidb_cluster=tidb-basic", promapi.Matchers{{Name: "tidb_cluster", Value: "tidb-basic"}}},
		{"cluster=basic,kubernetes_namespace=tidb", promapi.Matchers{{Name: "cluster", Value: "basic"}, {Name: "kubernetes_namespace", Value: "tidb"}}},
		// Names are trimmed; values are kept as given (a label value may
		// hold anything), escaped where the query is written.
		{" cluster =basic, namespace=a b", promapi.Matchers{{Name: "cluster", Value: "basic"}, {Name: "namespace", Value: "a b"}}},
		{"cluster=", promapi.Matchers{{Name: "cluster", Value: ""}}},
		{`cluster="} or vector(1) #`, promapi.Matchers{{Name: "cluster", Value: `"} or vector(1) #`}}},
		{"a=b=c", promapi.Matchers{{Name: "a", Value: "b=c"}}},
		{"_x=1", promapi.Matchers{{Name: "_x", Value: "1"}}},
		{"l=" + strings.Repeat("v", 1024), promapi.Matchers{{Name: "l", Value: strings.Repeat("v", 1024)}}},
		{"a1=1,a2=2,a3=3,a4=4,a5=5,a6=6,a7=7,a8=8", promapi.Matchers{
			{Name: "a1", Value: "1"}, {Name: "a2", Value: "2"}, {Name: "a3", Value: "3"}, {Name: "a4", Value: "4"},
			{Name: "a5", Value: "5"}, {Name: "a6", Value: "6"}, {Name: "a7", Value: "7"}, {Name: "a8", Value: "8"},
		}},
	}
	for _, c := range cases {
		got, err := ParseTaskLabels(c.in)
		if err != nil {
			t.Errorf("ParseTaskLabels(%.40q): %v", c.in, err)
			continue
		}
		if len(got) != len(c.want) {
			t.Errorf("ParseTaskLabels(%.40q) = %v, want %v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("ParseTaskLabels(%.40q)[%d] = %+v, want %+v", c.in, i, got[i], c.want[i])
			}
		}
	}
}

func TestParseTaskLabelsBad(t *testing.T) {
	cases := []struct{ in, want string }{
		{"tidb_cluster", "want LABEL=VALUE"},
		{"a=1,", "want LABEL=VALUE"},
		{",a=1", "want LABEL=VALUE"},
		{"a=1,,b=2", "want LABEL=VALUE"},
		{"=x", "is not a Prometheus label name"},
		{"tidb-cluster=x", "is not a Prometheus label name"},
		{"9a=x", "is not a Prometheus label name"},
		{"a.b=x", "is not a Prometheus label name"},
		{"a\nb=x", "is not a Prometheus label name"},
		{`a"=x`, "is not a Prometheus label name"},
		{"task=", "the task label is the backup's name already"},
		{"task=other", "the task label is the backup's name already"},
		{"cluster=a, task=b", "the task label is the backup's name already"},
		{"a1=1,a2=2,a3=3,a4=4,a5=5,a6=6,a7=7,a8=8,a9=9", "at most 8 labels"},
		{"l=" + strings.Repeat("v", 1025), "longer than 1024 bytes"},
		{strings.Repeat("n", 5000), "want LABEL=VALUE"},
	}
	for _, c := range cases {
		m, err := ParseTaskLabels(c.in)
		if err == nil {
			t.Errorf("ParseTaskLabels(%.40q) = %v, want an error", c.in, m)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "--task-labels") || !strings.Contains(msg, c.want) {
			t.Errorf("ParseTaskLabels(%.40q) = %q, want --task-labels ... %q", c.in, msg, c.want)
		}
		if strings.ContainsAny(msg, "\n\r") {
			t.Errorf("ParseTaskLabels(%.40q) = %q: not one line", c.in, msg)
		}
		if len(msg) > 300 {
			t.Errorf("ParseTaskLabels(%.40q): the error is %d bytes long", c.in, len(msg))
		}
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestPrometheusFlagsConfig(t *testing.T) {
	withEnv := env(map[string]string{promapi.EnvURL: "  http://from-env:9090  "})
	cases := []struct {
		name     string
		flags    PrometheusFlags
		getenv   func(string) string
		url      string
		fromEnv  bool
		service  string
		disabled bool
	}{
		{"nothing", PrometheusFlags{}, env(nil), "", false, "", false},
		{"nil getenv", PrometheusFlags{}, nil, "", false, "", false},
		{"env only", PrometheusFlags{}, withEnv, "http://from-env:9090", true, "", false},
		{"the flag wins", PrometheusFlags{URL: "http://flag:9090"}, withEnv, "http://flag:9090", false, "", false},
		{"a service wins", PrometheusFlags{Service: "monitoring/prometheus-k8s:9090"}, withEnv, "", false, "monitoring/prometheus-k8s:9090", false},
		{"blank env", PrometheusFlags{}, env(map[string]string{promapi.EnvURL: " \t"}), "", false, "", false},
		{"disabled: the environment is not read", PrometheusFlags{Disabled: true}, withEnv, "", false, "", true},
	}
	for _, c := range cases {
		c.flags.Timeout = 7 * time.Second
		cfg, labels, err := c.flags.Config(c.getenv)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if cfg.URL != c.url || cfg.URLFromEnv != c.fromEnv || cfg.Service != c.service || cfg.Disabled != c.disabled || cfg.Timeout != 7*time.Second {
			t.Errorf("%s: config %+v", c.name, cfg)
		}
		if labels != nil {
			t.Errorf("%s: labels %v", c.name, labels)
		}
	}

	// A bad URL from the environment is not this command's flag: no
	// error here; Connect reports it, named as the environment's.
	cfg, _, err := (&PrometheusFlags{}).Config(env(map[string]string{promapi.EnvURL: "prometheus:9090"}))
	if err != nil || cfg.URL != "" || !strings.Contains(cfg.EnvError, promapi.EnvURL) || strings.Contains(cfg.EnvError, "--prometheus-url") {
		t.Errorf("bad env URL: %v, %+v", err, cfg)
	}
	// ... but not looked at when a flag says where Prometheus is.
	if _, _, err := (&PrometheusFlags{Service: "monitoring/p:9090"}).Config(env(map[string]string{promapi.EnvURL: "prometheus:9090"})); err != nil {
		t.Errorf("bad env URL beside --prometheus-service: %v", err)
	}
	// The flags' own mistakes.
	if _, _, err := (&PrometheusFlags{URL: "http://a:9090", Service: "monitoring/p:9090"}).Config(env(nil)); err == nil {
		t.Error("--prometheus-url with --prometheus-service: no error")
	}
	if _, _, err := (&PrometheusFlags{CAFile: "/nonexistent/ca.pem"}).Config(withEnv); err == nil || !strings.Contains(err.Error(), "--prometheus-ca-file") {
		t.Errorf("missing CA file: %v", err)
	}
	// --task-labels read too.
	_, labels, err := (&PrometheusFlags{TaskLabels: "tidb_cluster=ns-basic"}).Config(env(nil))
	if err != nil || len(labels) != 1 || labels[0] != (promapi.Matcher{Name: "tidb_cluster", Value: "ns-basic"}) {
		t.Errorf("task labels: %v, %v", labels, err)
	}
	if _, _, err := (&PrometheusFlags{TaskLabels: "task=b"}).Config(env(nil)); err == nil {
		t.Error("--task-labels task=b: no error")
	}
}

func TestAddPrometheusFlags(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	p := AddPrometheusFlags(cmd, true)
	if p.Timeout != promapi.DefaultTimeout {
		t.Errorf("default timeout %s", p.Timeout)
	}
	err := cmd.Flags().Parse([]string{
		"--prometheus-url=https://p:9090", "--prometheus-bearer-token-file=/t", "--prometheus-ca-file=/ca",
		"--prometheus-insecure-skip-tls-verify", "--prometheus-timeout=30s", "--task-labels=cluster=a",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := PrometheusFlags{URL: "https://p:9090", BearerTokenFile: "/t", CAFile: "/ca", Insecure: true, Timeout: 30 * time.Second, TaskLabels: "cluster=a"}
	if *p != want {
		t.Errorf("flags %+v, want %+v", *p, want)
	}
	for _, bad := range []string{"--prometheus-timeout=0s", "--prometheus-timeout=10m", "--prometheus-timeout=x"} {
		cmd := &cobra.Command{Use: "x"}
		AddPrometheusFlags(cmd, false)
		if err := cmd.Flags().Parse([]string{bad}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	// Without task labels the flag is not there.
	cmd = &cobra.Command{Use: "x"}
	AddPrometheusFlags(cmd, false)
	if cmd.Flags().Lookup("task-labels") != nil {
		t.Error("--task-labels bound without withTaskLabels")
	}
}
