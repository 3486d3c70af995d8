//go:build tools

// Package tools pins the Alertmanager tools that the tests run (alertmanager
// and amtool): blank imports of their commands keep them, and everything they
// need, in this module's go.mod and go.sum, so `go mod tidy` does not drop
// them and the Makefile builds the exact version named here from the Go
// module proxy.
//
// Alertmanager has a module of its own, apart from Prometheus
// (../prometheus), because the two cannot share one dependency graph:
// Prometheus 3.16 requires a newer github.com/KimMachineGun/automemlimit whose
// API cmd/alertmanager 0.35 does not compile against.
package tools

import (
	_ "github.com/prometheus/alertmanager/cmd/alertmanager"
	_ "github.com/prometheus/alertmanager/cmd/amtool"
)
