package buildinfo

import (
	"runtime"
	"strings"
	"testing"
)

// A test binary is built without ldflags: Read keeps the defaults where
// the toolchain recorded nothing and always says the Go version and the
// platform it runs on.
func TestRead(t *testing.T) {
	info := Read()
	if info.GoVersion != runtime.Version() {
		t.Errorf("go version %q, want %q", info.GoVersion, runtime.Version())
	}
	if info.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("platform %q", info.Platform)
	}
	if info.Version == "" || info.Commit == "" || info.BuildDate == "" {
		t.Errorf("empty field in %+v", info)
	}
	if !strings.HasPrefix(UserAgent(), "kubectl-logbackup/"+info.Version) {
		t.Errorf("user agent %q", UserAgent())
	}
}
