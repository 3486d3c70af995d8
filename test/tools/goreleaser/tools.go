//go:build tools

// Package tools pins goreleaser, which `make release-snapshot` and the
// release test run: a blank import of its command keeps it, and everything
// it needs, in this module's go.mod and go.sum, so the Makefile builds the
// exact version named here from the Go module proxy. It has a module of its
// own because its dependency graph (cloud SDKs, signing, publishing) must
// not move the versions the plugin or the other tools build with.
package tools

import (
	_ "github.com/goreleaser/goreleaser/v2"
)
