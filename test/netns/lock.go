//go:build linux

package netns

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir holds one lock file per index. /run is a tmpfs, like /run/netns:
// both are emptied by a reboot, so locks and namespaces go together.
const lockDir = "/run/logbackup-netns"

// lockIndex takes the index's lock without waiting; ok is false when a live
// test (of this process or another) holds it. The kernel drops a flock when
// its holder dies, so the lock of a run that died is free again, and whatever
// that run left under the index is nobody's. The files stay: removing one
// would race with a process that has just opened it.
func lockIndex(index int) (f *os.File, ok bool, err error) {
	if err := os.MkdirAll(lockDir, 0o755); err != nil {
		return nil, false, err
	}
	f, err = os.OpenFile(filepath.Join(lockDir, nsName(index)+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return f, true, nil
}
