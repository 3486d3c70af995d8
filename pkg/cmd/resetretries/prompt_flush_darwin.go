//go:build darwin

package resetretries

import (
	"os"

	"golang.org/x/sys/unix"
)

// discardTypedAhead drops what was typed on the terminal but not read yet.
func discardTypedAhead(f *os.File) {
	_ = unix.IoctlSetPointerInt(int(f.Fd()), unix.TIOCFLUSH, unix.TCIFLUSH)
}
