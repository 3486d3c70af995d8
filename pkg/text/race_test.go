//go:build race

package text

// raceLimit: the race detector slows Redact about tenfold, and a loaded
// machine more; a quadratic blow-up on these inputs takes minutes either way.
const raceLimit = 12
