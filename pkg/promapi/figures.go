package promapi

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"
)

// The exporter's series (kubectl logbackup exporter, docs/exporter.md).
const (
	mCurrent   = "tidb_operator_log_backup_retry_current"
	mTotal     = "tidb_operator_log_backup_retry_total"
	mResult    = "tidb_operator_log_backup_retry_result_total"
	mDuration  = "tidb_operator_log_backup_retry_duration_seconds_bucket"
	mExhausted = "tidb_operator_log_backup_retry_exhausted_total"
	mTimeout   = "tidb_operator_log_backup_retry_timeout_total"
	mReady     = "logbackup_exporter_ready"
)

// The metrics TiKV and TiDB export about log backup (metrics-facts.md).
const (
	mTaskStatus = "tikv_log_backup_task_status"
	mErrors     = "tikv_log_backup_errors"
	mFatal      = "tikv_log_backup_fatal_errors"
	mEnabled    = "tikv_log_backup_enabled"
	mSafePoint  = "tikv_gcworker_autogc_safe_point"
	mCheckpoint = "tidb_log_backup_last_checkpoint"
)

// tsoPerSecond: a TSO keeps milliseconds above 18 bits, so seconds are
// value / 2^18 / 1000.
const tsoPerSecond = 262144000

// tsoTime turns a TSO held as a float into a time.
func tsoTime(v float64) time.Time {
	return time.UnixMilli(int64(v / (1 << 18))).UTC()
}

// parallelQueries bounds the queries of one command in flight at once.
const parallelQueries = 4

// batch runs named queries at one instant, at most parallelQueries at a
// time; each answer or error is kept by name, so one failing query spoils
// only the figure it feeds.
type batch struct {
	c   *Client
	at  time.Time
	mu  sync.Mutex
	vec map[string]model.Vector
	err map[string]error
}

func newBatch(c *Client, at time.Time) *batch {
	return &batch{c: c, at: at, vec: map[string]model.Vector{}, err: map[string]error{}}
}

func (b *batch) run(ctx context.Context, queries map[string]string) {
	g := new(errgroup.Group)
	g.SetLimit(parallelQueries)
	for name, q := range queries {
		g.Go(func() error {
			v, err := b.c.Query(ctx, q, b.at)
			b.mu.Lock()
			defer b.mu.Unlock()
			if err != nil {
				b.err[name] = err
			} else {
				b.vec[name] = v
			}
			return nil
		})
	}
	_ = g.Wait()
}

// scalar is the single value of a query that aggregates to one series;
// nil when it has none, or when it is not a number (NaN, ±Inf).
func (b *batch) scalar(name string) *float64 {
	v := b.vec[name]
	if len(v) == 0 {
		return nil
	}
	f := float64(v[0].Value)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

// firstErr is the first error among the named queries, in the order given.
func (b *batch) firstErr(names ...string) error {
	for _, n := range names {
		if err := b.err[n]; err != nil {
			return err
		}
	}
	return nil
}
