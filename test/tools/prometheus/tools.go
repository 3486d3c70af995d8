//go:build tools

// Package tools pins the monitoring tools that the tests run (Prometheus,
// promtool, Alertmanager and amtool): blank imports of their commands keep
// them, and everything they need, in this module's go.mod and go.sum, so `go
// mod tidy` does not drop them and the Makefile builds the exact versions
// named here from the Go module proxy.
package tools

import (
	_ "github.com/prometheus/alertmanager/cmd/alertmanager"
	_ "github.com/prometheus/alertmanager/cmd/amtool"
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
