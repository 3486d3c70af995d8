//go:build !linux

package promserver

import "os/exec"

// killWithParent does nothing where there is no parent-death signal.
func killWithParent(*exec.Cmd) {}
