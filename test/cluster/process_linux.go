package cluster

import "syscall"

// setParentDeathSignal kills the child if the test binary dies without
// running Stop (e.g. `go test -timeout` panics), so no etcd or API server
// outlives the run and holds its ports.
func setParentDeathSignal(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }
