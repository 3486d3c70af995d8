//go:build !unix

package cluster

import (
	"os"
	"syscall"
)

// Without process groups, Stop can only kill the process itself.
func sysProcAttr() *syscall.SysProcAttr { return nil }

func terminateGroup(p *os.Process) { _ = p.Kill() }

func killGroup(p *os.Process) { _ = p.Kill() }
