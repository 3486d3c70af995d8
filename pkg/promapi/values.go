package promapi

import (
	"math"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// Prometheus' numbers are untrusted like its text: a value out of any
// sensible range (NaN, ±Inf, 1e308, a TSO from the year 300,000) would
// overflow a time or a duration, print nonsense, break -o json (a year
// beyond 9999 cannot be marshalled) or flip a verdict. Each figure is
// read through one of these, and an absurd value is no figure at all.

// earliest is before any TiDB cluster or Prometheus sample.
var earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// maxSkew: a time this far after now is a wrong clock or a wrong value.
const maxSkew = 24 * time.Hour

// maxCount bounds a count or rate: far above any real one, far below
// where a float stops being an integer.
const maxCount = 1e12

// maxSeconds bounds a duration (about 300 years), so it fits a Duration.
const maxSeconds = 1e10

// count is a finite, non-negative count or rate, or nil.
func count(f float64) *float64 {
	if math.IsNaN(f) || f < 0 || f > maxCount {
		return nil
	}
	return &f
}

// ratio is a value in [0, 1], or nil.
func ratio(f float64) *float64 {
	if math.IsNaN(f) || f < 0 || f > 1 {
		return nil
	}
	return &f
}

// duration reads seconds into a Duration (rounded to the second), or nil.
func duration(f float64) *backup.Duration {
	if math.IsNaN(f) || f < 0 || f > maxSeconds {
		return nil
	}
	d := backup.Duration(time.Duration(f * float64(time.Second)).Round(time.Second))
	return &d
}

// unixTime reads Unix seconds (ALERTS_FOR_STATE), or nil.
func unixTime(f float64, now time.Time) *time.Time {
	if math.IsNaN(f) || f < float64(earliest.Unix()) || f > float64(now.Add(maxSkew).Unix()) {
		return nil
	}
	t := time.Unix(int64(f), 0).UTC()
	return &t
}

// tsoTime reads a TSO held as a float (physical ms << 18), or nil.
func tsoTime(f float64, now time.Time) *time.Time {
	if math.IsNaN(f) || f <= 0 || f > float64(now.Add(maxSkew).UnixMilli())*(1<<18) {
		return nil
	}
	t := time.UnixMilli(int64(f / (1 << 18))).UTC()
	if t.Before(earliest) {
		return nil
	}
	return &t
}

// tsoSeconds reads a difference of two TSOs as a duration, or nil.
func tsoSeconds(f float64) *backup.Duration {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return duration(f / tsoPerSecond)
}

// taskState reads tikv_log_backup_task_status: exactly 0, 1 or 2; any
// other value is "unknown".
func taskState(f float64) string {
	switch f {
	case 0:
		return "running"
	case 1:
		return "paused"
	case 2:
		return "error"
	}
	return "unknown"
}
