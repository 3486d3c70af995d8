package promserver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestToolFromToolsDir(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(ToolsDirEnv, dir)
	if _, err := Tool("promtool"); err == nil || !strings.Contains(err.Error(), "make monitoring-tools") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("missing tool: err = %v, want one line naming make monitoring-tools", err)
	}
	p := filepath.Join(dir, "promtool")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := Tool("promtool"); err != nil || got != p {
		t.Fatalf("Tool = %q, %v; want %q", got, err, p)
	}
}

func TestWithRuleFiles(t *testing.T) {
	got, err := withRuleFiles("", nil)
	if err != nil || string(got) != DefaultConfig {
		t.Fatalf("default config: %q %v", got, err)
	}
	got, err = withRuleFiles("rule_files: [a.yml]\nscrape_configs: []\n", []string{"b.yml"})
	if err != nil || !strings.Contains(string(got), "- a.yml\n- b.yml\n") {
		t.Fatalf("rule files appended: %q %v", got, err)
	}
	if _, err := withRuleFiles("rule_files: a.yml\n", []string{"b.yml"}); err == nil {
		t.Fatal("a rule_files that is not a list is accepted")
	}
}

// TestStart runs the real server (the one the tests would use) with a rule
// file given by contents and checks that the API serves it and evaluates a
// query.
func TestStart(t *testing.T) {
	s := Start(t, Options{
		Config: "global:\n  evaluation_interval: 1s\n",
		Files: map[string][]byte{"rules/test.yml": []byte(`groups:
- name: promserver
  rules:
  - record: promserver:one
    expr: vector(1)
`)},
		RuleFiles: []string{"rules/test.yml"},
	})
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q", s.URL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rules, err := s.API().Rules(ctx, nil)
	if err != nil || len(rules.Groups) != 1 || rules.Groups[0].Name != "promserver" {
		t.Fatalf("rules = %+v, %v", rules, err)
	}
	v, _, _, err := s.API().Query(ctx, "vector(42)", time.Now())
	if vec, ok := v.(model.Vector); err != nil || !ok || len(vec) != 1 || vec[0].Value != 42 {
		t.Fatalf("query = %v, %v", v, err)
	}
	s.Stop()
	s.Stop() // idempotent
	if _, err := s.API().Config(ctx); err == nil {
		t.Fatal("the server still answers after Stop")
	}
}
