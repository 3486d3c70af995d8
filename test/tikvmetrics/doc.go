// Package tikvmetrics serves the log backup (PITR) metrics of a TiDB
// cluster, as its TiKV stores and its TiDB server export them, for a real
// Prometheus to scrape in tests.
//
// Why a stand-in: the plugin's Prometheus support reads series that only a
// running TiDB cluster makes (docs/metrics-facts.md): the task state per
// TiKV store, the errors, the GC safe point and TiDB's global checkpoint.
// No TiDB cluster runs in the tests, so this package exports the same
// series, with the same names, types, labels and units, from one HTTP
// server per component instance (each store and the TiDB server on a port of
// their own, so Prometheus gives each its own instance label, as a real
// scrape does), and lets a test change them while Prometheus scrapes.
//
// Only the metrics listed in docs/metrics-facts.md that the plugin reads are
// here; TiKV's load and speed metrics (observed regions, flush durations) are
// not.
package tikvmetrics
