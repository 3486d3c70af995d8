// Package promserver starts a real Prometheus server for tests.
//
// Why a real one: a test of what Prometheus does with our rules, dashboards
// or exporter (how it parses and evaluates a query, what it scrapes, which
// alerts fire) is only as good as the Prometheus it runs against; a fake
// would answer what its author believed. The server is the prometheus binary
// that `make monitoring-tools` builds from the Go module proxy (or, for a
// developer running go test by hand, the one on PATH), listening on a free
// 127.0.0.1 port (or one of Options.ListenHost, such as a network
// namespace's address), with its own configuration, rules and data
// directory, and stopped when the test ends.
//
// It is a plain package, not a _test file, so that any test package (the
// monitoring tests, the exporter's end-to-end tests) can start one with its
// own scrape configuration.
package promserver

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"sigs.k8s.io/yaml"
)

// ToolsDirEnv names the environment variable that the Makefile sets to the
// directory of the monitoring tools it built (prometheus, promtool,
// alertmanager, amtool).
const ToolsDirEnv = "LOGBACKUP_MONITORING_TOOLS_DIR"

// DefaultConfig is the configuration used when Options.Config is empty: no
// scrape target, 30s intervals.
const DefaultConfig = "global:\n  scrape_interval: 30s\n  evaluation_interval: 30s\nscrape_configs: []\n"

// Tool returns the path of a monitoring tool. When ToolsDirEnv is set (as
// make does) only that directory counts, so a test never runs an older
// Prometheus that happens to be on PATH; otherwise the tool is looked up on
// PATH, for a developer who runs go test by hand. The error is one line that
// says how to get the tool.
func Tool(name string) (string, error) {
	if dir := os.Getenv(ToolsDirEnv); dir != "" {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("%s: no executable %s in %s=%s: run make monitoring-tools", name, name, ToolsDirEnv, dir)
		}
		return p, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s is not on PATH and %s is not set: run make monitoring-tools and set %s to the directory it prints (make test does both)", name, ToolsDirEnv, ToolsDirEnv)
	}
	return p, nil
}

// Options says how to run the server. The zero value runs an empty
// Prometheus with DefaultConfig.
type Options struct {
	// Config is the text of prometheus.yml (global settings, scrape configs,
	// alerting). Empty means DefaultConfig.
	Config string
	// RuleFiles are rule files to load, added to the config's rule_files.
	// A relative path is relative to Dir.
	RuleFiles []string
	// Files are written into Dir before the server starts, by name (such as
	// a rule file's contents, which the config or RuleFiles then names).
	Files map[string][]byte
	// Dir is the server's working directory, where prometheus.yml is
	// written. Empty means a new t.TempDir().
	Dir string
	// DataDir is the TSDB directory, for instance one that promtool tsdb
	// create-blocks-from filled beforehand. Empty means Dir/data.
	DataDir string
	// Flags are added to the command line, after the ones Start sets
	// (config file, storage path, listen address).
	Flags []string
	// ReadyTimeout bounds the wait for /-/ready. Zero means 30 seconds.
	ReadyTimeout time.Duration
	// ListenHost is the address the server listens on. Empty means
	// 127.0.0.1. Another address lets kube-apiserver's service proxy reach
	// the server, which it refuses to do for loopback addresses.
	ListenHost string
	// Wrap makes the command that runs the server, for instance
	// netns.NS.Command to run it in a network namespace (and listen on the
	// namespace's address). Nil means exec.Command.
	Wrap func(name string, args ...string) *exec.Cmd
}

// Server is a running Prometheus.
type Server struct {
	// URL is the server's base URL, http://LISTENHOST:PORT
	// (http://127.0.0.1:PORT by default).
	URL string
	// Dir, ConfigFile and DataDir are where its files are.
	Dir, ConfigFile, DataDir string

	cmd    *exec.Cmd
	exited chan struct{}
	err    error // of cmd.Wait, once exited is closed
	log    lockedBuffer
	once   sync.Once
}

// Start runs prometheus with opts and waits until it is ready; it fails the
// test if the server does not start. The server is stopped, and its log
// shown when the test failed, by the test's cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	bin, err := Tool("prometheus")
	if err != nil {
		t.Fatal(err)
	}
	dir := opts.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	for name, data := range opts.Files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	config, err := withRuleFiles(opts.Config, opts.RuleFiles)
	if err != nil {
		t.Fatalf("promserver: %v", err)
	}
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, config, 0o644); err != nil {
		t.Fatal(err)
	}
	dataDir := opts.DataDir
	if dataDir == "" {
		dataDir = filepath.Join(dir, "data")
	}
	timeout := opts.ReadyTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	host := opts.ListenHost
	if host == "" {
		host = "127.0.0.1"
	}
	command := opts.Wrap
	if command == nil {
		command = exec.Command
	}
	// The free port is found by listening on port 0 and closing the
	// listener, so another process can take it before Prometheus binds it:
	// then try again with another port.
	for attempt := 0; ; attempt++ {
		addr, err := freeAddr(host)
		if err != nil {
			t.Fatalf("promserver: %v", err)
		}
		s := &Server{URL: "http://" + addr, Dir: dir, ConfigFile: configFile, DataDir: dataDir, exited: make(chan struct{})}
		args := append([]string{
			"--config.file=" + configFile,
			"--storage.tsdb.path=" + dataDir,
			"--web.listen-address=" + addr,
		}, opts.Flags...)
		s.cmd = command(bin, args...)
		s.cmd.Dir = dir
		s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
		killWithParent(s.cmd)
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("promserver: %v", err)
		}
		go func() { s.err = s.cmd.Wait(); close(s.exited) }()
		err = s.WaitReady(timeout)
		if err == nil {
			t.Cleanup(func() {
				s.Stop()
				if t.Failed() {
					t.Logf("prometheus log (%s):\n%s", s.URL, s.Log())
				}
			})
			return s
		}
		s.Stop()
		if attempt < 2 && strings.Contains(s.Log(), "address already in use") {
			continue
		}
		t.Fatalf("promserver: %v; prometheus %s log:\n%s", err, strings.Join(args, " "), s.Log())
	}
}

// freeAddr returns host:PORT with a port that was free a moment ago. An
// address of another network namespace cannot be bound here: then any free
// loopback port number will do, as that namespace has its own ports and
// only the test's own servers listen there.
func freeAddr(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return "", err
		}
	}
	defer l.Close()
	return net.JoinHostPort(host, strconv.Itoa(l.Addr().(*net.TCPAddr).Port)), nil
}

// withRuleFiles returns the config text with the rule files added to its
// rule_files list.
func withRuleFiles(config string, ruleFiles []string) ([]byte, error) {
	if config == "" {
		config = DefaultConfig
	}
	if len(ruleFiles) == 0 {
		return []byte(config), nil
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(config), &doc); err != nil {
		return nil, fmt.Errorf("the config is not YAML: %v", err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	var files []any
	if v, ok := doc["rule_files"]; ok && v != nil {
		if files, ok = v.([]any); !ok {
			return nil, errors.New("the config's rule_files is not a list")
		}
	}
	for _, f := range ruleFiles {
		files = append(files, f)
	}
	doc["rule_files"] = files
	return yaml.Marshal(doc)
}

// WaitReady waits until the server answers /-/ready with 200 (it has loaded
// its configuration and TSDB), for at most timeout. It returns an error at
// once if the process has exited.
func (s *Server) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-s.exited:
			return fmt.Errorf("prometheus exited before it was ready on %s: %v", s.URL, s.err)
		default:
		}
		resp, err := client.Get(s.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("prometheus was not ready on %s after %v", s.URL, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// API returns a client of the server's HTTP API.
func (s *Server) API() promv1.API {
	c, err := api.NewClient(api.Config{Address: s.URL})
	if err != nil {
		panic(err) // only for an unparsable address, and URL is ours
	}
	return promv1.NewAPI(c)
}

// Log returns what the server has written to stdout and stderr so far.
func (s *Server) Log() string { return s.log.String() }

// Stop stops the server: SIGTERM, then SIGKILL after 10 seconds. It is safe
// to call more than once; the test's cleanup calls it too.
func (s *Server) Stop() {
	s.once.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
