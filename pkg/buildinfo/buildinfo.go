// Package buildinfo holds what the linker stamps into a release build.
package buildinfo

// Set by the linker (-ldflags "-X ...buildinfo.Version=v1.2.3", see the
// Makefile); never written at run time.
var (
	Version = "dev"
	Commit  = "none"
)

// UserAgent names the plugin in API server audit logs.
func UserAgent() string { return "kubectl-logbackup/" + Version }
