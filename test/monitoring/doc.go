// Package monitoringtest holds the tests that run the real promtool, amtool
// and prometheus on the output of "kubectl logbackup monitoring". Install the
// tools with hack/monitoring-tools.sh; the tests fail (never skip) without
// them.
package monitoringtest
