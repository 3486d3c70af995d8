package tikvmetrics

import "time"

// TaskState is a log backup task's state on a store, the value of
// tikv_log_backup_task_status.
type TaskState int

// The values TiKV exports.
const (
	Running TaskState = 0
	Paused  TaskState = 1
	Error   TaskState = 2
)

// StartTask makes a task run on every store with its checkpoint at
// checkpoint, as `br log start` does.
func (c *Cluster) StartTask(task string, checkpoint time.Time) {
	c.t.Helper()
	c.SetTaskState(task, Running)
	c.SetCheckpoint(task, checkpoint)
}

// SetTaskState sets a task's state on every store, as a pause (or an error
// that pauses the task) does.
func (c *Cluster) SetTaskState(task string, state TaskState) {
	for _, s := range c.stores {
		s.taskStatus.WithLabelValues(task).Set(float64(state))
	}
}

// SetStoreTaskState sets a task's state on one store (0 to Stores()-1).
func (c *Cluster) SetStoreTaskState(store int, task string, state TaskState) {
	c.t.Helper()
	c.store(store).taskStatus.WithLabelValues(task).Set(float64(state))
}

// SetCheckpoint sets a task's global checkpoint, which TiDB exports as a
// TSO: to the millisecond, and as a float64, so TiDB's export and this one
// round it alike (a TSO needs more than float64's 53 bits).
func (c *Cluster) SetCheckpoint(task string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setCheckpointLocked(task, at)
}

func (c *Cluster) setCheckpointLocked(task string, at time.Time) {
	at = at.Truncate(time.Millisecond)
	c.checkpoints[task] = at
	c.tidb.checkpoint.WithLabelValues(task).Set(float64(TSO(at)))
}

// AdvanceCheckpoint moves a task's checkpoint forward by d and returns the
// new one. The task must have a checkpoint.
func (c *Cluster) AdvanceCheckpoint(task string, d time.Duration) time.Time {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.checkpoints[task]
	if !ok {
		c.t.Fatalf("tikvmetrics: task %q has no checkpoint to advance", task)
	}
	c.setCheckpointLocked(task, at.Add(d))
	return c.checkpoints[task]
}

// Checkpoint is a task's checkpoint as TiDB exports it (to the
// millisecond); ok is false when the task has none.
func (c *Cluster) Checkpoint(task string) (at time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok = c.checkpoints[task]
	return at, ok
}

// RemoveTask removes a task's series from every store and from TiDB, as
// when the task was stopped and its metrics are gone.
func (c *Cluster) RemoveTask(task string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stores {
		s.taskStatus.DeleteLabelValues(task)
	}
	c.tidb.checkpoint.DeleteLabelValues(task)
	delete(c.checkpoints, task)
}

// AddErrors counts n retryable errors of a type on one store.
func (c *Cluster) AddErrors(store int, errType string, n int) {
	c.t.Helper()
	c.store(store).errors.WithLabelValues(errType).Add(float64(n))
}

// AddFatalErrors counts n fatal errors (those that pause the task) of a
// type on one store. The task's state is separate: set it too.
func (c *Cluster) AddFatalErrors(store int, errType string, n int) {
	c.t.Helper()
	c.store(store).fatalErrors.WithLabelValues(errType).Add(float64(n))
}

// SetSafePoint sets the GC safe point that every store exports (it is the
// cluster's, so all stores agree).
func (c *Cluster) SetSafePoint(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.safePoint = at.Truncate(time.Millisecond)
	for _, s := range c.stores {
		s.safePoint.Set(float64(TSO(c.safePoint)))
	}
}

// SafePoint is the GC safe point the stores export.
func (c *Cluster) SafePoint() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.safePoint
}

func (c *Cluster) store(i int) *store {
	c.t.Helper()
	if i < 0 || i >= len(c.stores) {
		c.t.Fatalf("tikvmetrics: no store %d (the cluster has %d: 0 to %d)", i, len(c.stores), len(c.stores)-1)
	}
	return c.stores[i]
}
