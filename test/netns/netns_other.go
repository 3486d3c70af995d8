//go:build !linux

package netns

import (
	"os/exec"
	"testing"
	"time"
)

// NS is a network namespace; see the Linux implementation.
type NS struct {
	Name, HostIP, IP, HostIface, Iface string
	SetupTime                          time.Duration
}

// New fails the test: network namespaces exist only on Linux.
func New(t testing.TB) *NS {
	t.Helper()
	t.Fatal("netns: network namespaces need Linux (CI runs these tests on Linux as root)")
	return nil
}

// Command is never reached: New fails first.
func (n *NS) Command(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }
