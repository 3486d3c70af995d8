//go:build linux

package resetretries

import (
	"os"

	"golang.org/x/sys/unix"
)

// discardTypedAhead drops what was typed on the terminal but not read yet.
func discardTypedAhead(f *os.File) { _ = unix.IoctlSetInt(int(f.Fd()), unix.TCFLSH, unix.TCIFLUSH) }
