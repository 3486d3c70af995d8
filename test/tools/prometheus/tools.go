//go:build tools

// Package tools pins the Prometheus tools that the tests run (prometheus and
// promtool): blank imports of their commands keep them, and everything they
// need, in this module's go.mod and go.sum, so `go mod tidy` does not drop
// them and the Makefile builds the exact version named here from the Go
// module proxy. Alertmanager has its own module (../alertmanager): see its
// tools.go for why.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
