package promapi

import (
	"context"
	"errors"
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

// Bounds of one batch of queries. A backup's own answers hold a series
// per TiKV store at most; a fleet's a series per backup, task or store.
// Past the bounds an answer is refused (one line), never held.
const (
	backupBodyBytes = 1 << 20
	fleetBodyBytes  = 16 << 20
	// maxSeries bounds the series of one answer.
	maxSeries = 200000
	// fleetParallel bounds a fleet's queries in flight: each answer may be
	// megabytes while it is decoded.
	fleetParallel = 3
)

var errTooManySeries = errors.New("too many series")

// batch runs named queries at one instant; each answer or error is kept
// by name (or, with reduce, handed over as it arrives and not kept), so
// one failing query spoils only the figure it feeds.
type batch struct {
	c        *Client
	at       time.Time
	limit    int64 // body bytes per answer
	parallel int   // 0: all at once
	// reduce, when set, gets each answer as it arrives (under the lock).
	reduce func(name string, v model.Vector)
	mu     sync.Mutex
	vec    map[string]model.Vector
	mat    map[string]model.Matrix // runMatrix's answers
	err    map[string]error
}

func newBatch(c *Client, at time.Time) *batch {
	return &batch{c: c, at: at, limit: backupBodyBytes, vec: map[string]model.Vector{}, err: map[string]error{}}
}

// run sends every query at once (or parallel at a time): each has the
// whole of the context's time, so a query that hangs holds back none of
// the others.
func (b *batch) run(ctx context.Context, queries map[string]string) {
	b.each(ctx, queries, func(ctx context.Context, name, q string) {
		v, err := b.c.Query(ctx, q, b.at)
		if err == nil && len(v) > maxSeries {
			v, err = nil, errTooManySeries
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		switch {
		case err != nil:
			b.err[name] = err
		case b.reduce != nil:
			b.reduce(name, v)
		default:
			b.vec[name] = v
		}
	})
}

// runMatrix is run for range selectors (metric[6h]): their raw samples
// are kept by name, in mat.
func (b *batch) runMatrix(ctx context.Context, queries map[string]string) {
	b.each(ctx, queries, func(ctx context.Context, name, q string) {
		m, err := b.c.QueryMatrix(ctx, q, b.at)
		if err == nil && len(m) > maxSeries {
			m, err = nil, errTooManySeries
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if err != nil {
			b.err[name] = err
			return
		}
		if b.mat == nil {
			b.mat = map[string]model.Matrix{}
		}
		b.mat[name] = m
	})
}

func (b *batch) each(ctx context.Context, queries map[string]string, do func(ctx context.Context, name, q string)) {
	ctx = withBodyLimit(ctx, b.limit)
	g := new(errgroup.Group)
	if b.parallel > 0 {
		g.SetLimit(b.parallel)
	}
	for name, q := range queries {
		g.Go(func() error {
			do(ctx, name, q)
			return nil
		})
	}
	_ = g.Wait()
}

// scalar is the single value of a query that aggregates to one series;
// ok is false when it has none.
func (b *batch) scalar(name string) (f float64, ok bool) {
	v := b.vec[name]
	if len(v) == 0 {
		return 0, false
	}
	return float64(v[0].Value), true
}

// countOf is a scalar read as a count (nil: none, or absurd).
func (b *batch) countOf(name string) *float64 {
	if f, ok := b.scalar(name); ok {
		return count(f)
	}
	return nil
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
