//go:build tools

// Package tools pins krew, which the install test runs: a blank import of
// its command keeps it in this module's go.mod and go.sum. krew v0.4.3
// needs older Kubernetes libraries than the control plane of ../go.mod, so
// it has a module of its own.
package tools

import (
	_ "sigs.k8s.io/krew/cmd/krew"
)
