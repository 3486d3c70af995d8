//go:build linux

package netns

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// NS is a network namespace and the veth pair that joins it to the host.
type NS struct {
	// Name is the namespace's name, as `ip netns list` shows it.
	Name string
	// HostIP is the host end's address: a server that processes in the
	// namespace must reach listens on it.
	HostIP string
	// IP is the namespace end's address: what a server in the namespace
	// listens on, reachable from the host (and so from kube-apiserver).
	IP string
	// HostIface and Iface are the names of the host and namespace ends.
	HostIface, Iface string
	// SetupTime is how long New took, for spotting slow machines.
	SetupTime time.Duration

	index  int      // of the names and the subnet
	ipPath string   // iproute2's ip
	lock   *os.File // held while the namespace is this test's

	mu      sync.Mutex
	started []*exec.Cmd // made by Command, killed by the cleanup
}

// New creates a namespace for the test, with lo up and a veth pair between
// it and the host, and removes both when the test ends, after killing what
// still runs inside and the commands that Command made. It fails the test, with a one-line reason, when it cannot.
func New(t testing.TB) *NS {
	t.Helper()
	began := time.Now()
	n, err := create()
	if err != nil {
		t.Fatalf("netns: %v", err)
	}
	t.Cleanup(func() {
		if err := n.remove(); err != nil {
			t.Errorf("netns: %v", err)
		}
	})
	n.SetupTime = time.Since(began)
	return n
}

// Command returns a command that runs name inside the namespace (through
// `ip netns exec`). ip replaces itself with the command, so cmd.Process is
// the command's own process: signals reach it, and so does the parent-death
// signal set here, which kills it if the test binary dies without running
// its cleanup (a leftover process would keep the namespace alive).
func (n *NS) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(n.ipPath, append([]string{"netns", "exec", n.Name, name}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.started = append(n.started, cmd)
	return cmd
}

// killStarted kills the commands that Command made and that were started.
// Listing the namespace's processes is not enough: one that ip has not yet
// moved into the namespace is not listed, and would go on running in the
// namespace after its name is deleted. os.Process signals through a pidfd,
// so a command that has ended and been waited for is not mistaken for a
// new process with its pid.
func (n *NS) killStarted() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, cmd := range n.started {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	}
}

// create claims the first free index.
func create() (*NS, error) {
	ipPath, err := exec.LookPath("ip")
	if err != nil {
		return nil, errors.New("the ip command (iproute2) is not on PATH: install iproute2 (the tests that need a network namespace run as root with it)")
	}
	for index := 0; index < maxIndex; index++ {
		n, ok, err := claim(ipPath, index)
		if err != nil {
			return nil, err
		}
		if ok {
			return n, nil
		}
	}
	return nil, fmt.Errorf("all %d test namespaces are in use (locks in %s)", maxIndex, lockDir)
}

// claim takes index if no live test holds it and sets up its namespace;
// ok is false when the index is taken.
func claim(ipPath string, index int) (_ *NS, ok bool, err error) {
	lock, ok, err := lockIndex(index)
	if err != nil {
		return nil, false, fmt.Errorf("cannot lock a test namespace (%v): network namespaces need root (CI runs these tests as root)", err)
	}
	if !ok {
		return nil, false, nil
	}
	n := newNS(ipPath, index, lock)
	if err := n.setup(); err != nil {
		_ = n.remove()
		return nil, false, err
	}
	return n, true, nil
}

// newNS describes the namespace of index, whose lock the caller holds.
func newNS(ipPath string, index int, lock *os.File) *NS {
	hostIP, ip := addrs(index)
	return &NS{index: index, Name: nsName(index), HostIP: hostIP, IP: ip, HostIface: hostIfName(index), Iface: nsIfName(index), ipPath: ipPath, lock: lock}
}

// setup makes the namespace and the pair, after removing what a run that
// died may have left under the same index.
func (n *NS) setup() error {
	if err := n.destroy(); err != nil {
		return fmt.Errorf("removing the leftover of a previous run: %v", err)
	}
	host := fmt.Sprintf("netns add %s\nlink add %s type veth peer name %s netns %s\naddr add %s/30 dev %s\nlink set %s up\n",
		n.Name, n.HostIface, n.Iface, n.Name, n.HostIP, n.HostIface, n.HostIface)
	if err := n.ip(host, "-batch", "-"); err != nil {
		return fmt.Errorf("cannot create network namespace %s (%v): it needs root, with CAP_SYS_ADMIN and CAP_NET_ADMIN (CI runs these tests as root)", n.Name, err)
	}
	inside := fmt.Sprintf("addr add %s/30 dev %s\nlink set %s up\nlink set lo up\n", n.IP, n.Iface, n.Iface)
	if err := n.ip(inside, "-n", n.Name, "-batch", "-"); err != nil {
		return fmt.Errorf("cannot configure network namespace %s: %v", n.Name, err)
	}
	return nil
}

// remove destroys the namespace and the pair and gives the index back.
func (n *NS) remove() error {
	n.killStarted()
	err := n.destroy()
	n.lock.Close()
	return err
}

// destroy kills what runs in the namespace, then deletes the pair and the
// namespace. It checks for each first, so a clean start costs no process.
func (n *NS) destroy() error {
	nsFile := filepath.Join("/run/netns", n.Name)
	if exists(nsFile) {
		if err := n.killAll(); err != nil {
			return err
		}
	}
	// Deleting one end of a veth pair deletes the other, wherever it is.
	if exists(filepath.Join("/sys/class/net", n.HostIface)) {
		if err := n.ip("", "link", "del", n.HostIface); err != nil {
			return fmt.Errorf("deleting %s: %v", n.HostIface, err)
		}
	}
	if exists(nsFile) {
		if err := n.ip("", "netns", "del", n.Name); err != nil {
			return fmt.Errorf("deleting namespace %s: %v", n.Name, err)
		}
	}
	return nil
}

// killAll kills every process in the namespace and waits until none is
// left, because a namespace with a process in it outlives `ip netns del`.
// They are this test's own (or those of a run of it that died): only the
// tests create namespaces with these names.
func (n *NS) killAll() error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := n.output("netns", "pids", n.Name)
		if err != nil {
			return fmt.Errorf("listing the processes in %s: %v", n.Name, err)
		}
		pids := strings.Fields(out)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %s in namespace %s survived SIGKILL for 5s", strings.Join(pids, " "), n.Name)
		}
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ip runs the ip command with stdin and returns its error output, on one
// line, as the error.
func (n *NS) ip(stdin string, args ...string) error {
	cmd := exec.Command(n.ipPath, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, oneLine(stderr.String()))
	}
	return nil
}

// output runs the ip command and returns its standard output.
func (n *NS) output(args ...string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.Command(n.ipPath, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, oneLine(stderr.String()))
	}
	return string(out), nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
