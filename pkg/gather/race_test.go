//go:build race

package gather

// raceEnabled: the race detector slows reading a log tenfold, so the
// heaviest workloads are made smaller (still many times the budgets).
const raceEnabled = true
