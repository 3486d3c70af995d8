// Package buildinfo holds what the linker stamps into a release build, and
// what the Go toolchain recorded when nothing was stamped (`go install
// MODULE@vX.Y.Z`).
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Set by the linker (-ldflags "-X ...buildinfo.Version=v1.2.3", see the
// Makefile and .goreleaser.yaml); never written at run time. Read them
// through Read, which fills what a plain `go install` leaves unset.
var (
	Version = "dev"
	Commit  = "none"
	// Date is when the commit was made (RFC 3339, UTC), not when the
	// binary was linked, so two builds of one commit are the same bytes.
	Date = "unknown"
)

// Info describes this build.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Read returns the stamped values; where the linker stamped none, the
// module version and the VCS revision and time that the Go toolchain
// records (`go install ...@v1.2.3` stamps the version but no revision).
func Read() Info {
	info := Info{Version: Version, Commit: Commit, BuildDate: Date,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if info.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && info.Commit == "none":
			info.Commit = s.Value
		case s.Key == "vcs.time" && info.BuildDate == "unknown":
			info.BuildDate = s.Value
		}
	}
	return info
}

// UserAgent names the plugin in API server audit logs.
func UserAgent() string { return "kubectl-logbackup/" + Read().Version }
