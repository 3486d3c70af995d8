package netns

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// probeEnv makes the test binary, run inside a namespace, act as a probe
// instead of running the tests: "get URL" prints what URL answers, "serve
// ADDR" answers HTTP on ADDR and prints the address it listens on.
const probeEnv = "NETNS_TEST_PROBE"

func TestMain(m *testing.M) {
	if probe := os.Getenv(probeEnv); probe != "" {
		if err := runProbe(strings.Fields(probe)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runProbe(args []string) error {
	switch {
	case len(args) == 2 && args[0] == "get":
		c := &http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get(args[1])
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.Copy(os.Stdout, resp.Body)
		return err
	case len(args) == 2 && args[0] == "serve":
		l, err := net.Listen("tcp", args[1])
		if err != nil {
			return err
		}
		fmt.Println(l.Addr())
		return http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "from inside") }))
	}
	return fmt.Errorf("bad probe %q", args)
}

func probe(ns *NS, args ...string) *exec.Cmd {
	cmd := ns.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), probeEnv+"="+strings.Join(args, " "))
	return cmd
}

// What Prometheus in a namespace does: scrape a server that listens on the
// host end of the pair.
func TestNamespaceReachesHost(t *testing.T) {
	ns := New(t)
	t.Logf("namespace %s (%s <-> %s) set up in %v", ns.Name, ns.HostIP, ns.IP, ns.SetupTime)
	l, err := net.Listen("tcp", ns.HostIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "from the host") })}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	out, err := probe(ns, "get", "http://"+l.Addr().String()+"/").CombinedOutput()
	if err != nil || string(out) != "from the host" {
		t.Fatalf("GET from inside the namespace: %v: %q", err, out)
	}
}

// What the API server does with a Prometheus in a namespace: reach it on
// the namespace's address. And the namespace's cleanup kills the server
// still running in it and leaves neither namespace nor veth behind.
func TestHostReachesNamespaceAndCleanupRemovesAll(t *testing.T) {
	var ns *NS
	var server *exec.Cmd
	t.Run("serve", func(t *testing.T) {
		ns = New(t)
		server = probe(ns, "serve", ns.IP+":0")
		stdout, err := server.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		addr, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			t.Fatalf("the server in the namespace did not start: %v", err)
		}
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + strings.TrimSpace(addr) + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "from inside" {
			t.Fatalf("GET from the host: %q", body)
		}
		// The server keeps running: the cleanup must kill it.
	})
	if ns == nil || server == nil {
		return
	}
	err := server.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.String() != "signal: killed" {
		t.Errorf("the server in the namespace ended with %v, want killed by the cleanup", err)
	}
	assertGone(t, ns)
}

// A run that died (nothing removed, a process still inside) leaves an
// index that the next claim of it cleans and reuses. The lock passes from
// the dead run to the next without a gap: released, another test process
// could take the index first.
func TestLeftoverOfADeadRunIsReplaced(t *testing.T) {
	ipPath, err := exec.LookPath("ip")
	if err != nil {
		t.Fatal(err)
	}
	var dead *NS
	for index := 0; dead == nil && index < maxIndex; index++ {
		if dead, _, err = claim(ipPath, index); err != nil {
			t.Fatal(err)
		}
	}
	// A process of the dead run, well inside the namespace (it answers on
	// the namespace's address): not one of the new claim's commands.
	leftover := probe(dead, "serve", dead.IP+":0")
	stdout, err := leftover.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := leftover.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
		t.Fatalf("the leftover process did not start: %v", err)
	}
	n := newNS(ipPath, dead.index, dead.lock)
	if err := n.setup(); err != nil {
		t.Fatalf("setting up over the leftover of index %d: %v", dead.index, err)
	}
	if err := leftover.Wait(); err == nil {
		t.Error("the leftover process survived")
	}
	if err := n.remove(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, n)
}

func assertGone(t *testing.T, ns *NS) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == ns.Name {
			t.Errorf("namespace %s is still there", ns.Name)
		}
	}
	if _, err := net.InterfaceByName(ns.HostIface); err == nil {
		t.Errorf("interface %s is still there", ns.HostIface)
	}
}

// A command started just before the test ends may not be in the namespace
// yet, so not among its processes: the cleanup kills it all the same.
func TestCleanupKillsACommandJustStarted(t *testing.T) {
	var cmd *exec.Cmd
	t.Run("start", func(t *testing.T) {
		cmd = New(t).Command("sleep", "600")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	})
	if cmd == nil || cmd.Process == nil {
		return
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.String() != "signal: killed" {
			t.Errorf("the command ended with %v, want killed by the cleanup", err)
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the command still runs 10s after the test's cleanup")
	}
}
