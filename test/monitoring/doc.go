// Package monitoringtest holds the tests that run the real promtool, amtool
// and prometheus on the output of "kubectl logbackup monitoring". make
// monitoring-tools builds the tools (Prometheus 3, Alertmanager 0.35) from the
// Go module proxy and make exports their directory as
// LOGBACKUP_MONITORING_TOOLS_DIR; without it the tests use the tools on PATH.
// The tests fail (never skip) without them.
package monitoringtest
