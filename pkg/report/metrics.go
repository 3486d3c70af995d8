package report

import (
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// MetricsSection is what Prometheus knows about the backup: the history
// its status no longer holds (the exporter's retry figures, the alerts)
// and, for a log backup, its task as TiKV and TiDB report it. Each part
// has its own note or error, so one absent metric spoils only its part.
type MetricsSection struct {
	// Prometheus says which one was asked, and how it was chosen.
	Prometheus string `json:"prometheus,omitempty"`
	// Skipped: not asked (--no-prometheus, none found).
	Skipped string `json:"skipped,omitempty"`
	// Error: Prometheus could not be used at all; the parts are empty.
	Error   string        `json:"error,omitempty"`
	Retries *RetryFigures `json:"retries,omitempty"`
	Alerts  *AlertsPart   `json:"alerts,omitempty"`
	// Task: log backups only.
	Task *TaskFigures `json:"task,omitempty"`
}

// Window is the time over which the "last hour" figures are counted.
const Window = time.Hour

// RetryFigures are the exporter's series for the backup. A nil figure had
// no data (a ratio with no result in the window, a quantile with no retry
// that ended in it).
type RetryFigures struct {
	Current *float64 `json:"current,omitempty"`
	// RatePerHour: retries per hour at the rate of the last 5 minutes,
	// summed over reasons.
	RatePerHour  *float64         `json:"ratePerHour,omitempty"`
	SuccessRatio *float64         `json:"successRatio,omitempty"` // of results in the last hour
	Results      *float64         `json:"results,omitempty"`      // results in the last hour
	Exhausted    *float64         `json:"exhausted,omitempty"`    // in the last hour
	Timeouts     *float64         `json:"timeouts,omitempty"`     // in the last hour
	P50          *backup.Duration `json:"p50,omitempty"`
	P90          *backup.Duration `json:"p90,omitempty"`
	// Note: why there are no figures ("not exported: is the logbackup
	// exporter running?").
	Note  string `json:"note,omitempty"`
	Error string `json:"error,omitempty"`
	// Unread: the figures that could not be read, each "figure: reason"
	// (the others are still shown).
	Unread []string `json:"unread,omitempty"`
}

// AlertsPart lists the alerts firing or pending for the backup (and its
// task), from the ALERTS series.
type AlertsPart struct {
	Items []Alert `json:"items"`
	// History: the alerts' transitions over the last HistoryWindow (asked
	// only for a timeline), oldest first. A state an alert was already in
	// when the window began has no entry (Items[].Since dates an active
	// one); at most 200 are kept, the newest.
	History []AlertTransition `json:"history,omitempty"`
	Error   string            `json:"error,omitempty"`
	// Unread: what of the history could not be read, each "history:
	// reason" (the alerts now are still shown).
	Unread []string `json:"unread,omitempty"`
}

// HistoryWindow is how far back a timeline asks Prometheus for history.
const HistoryWindow = 6 * time.Hour

// AlertTransition is one alert entering a state: pending, firing, or
// resolved (no longer in ALERTS).
type AlertTransition struct {
	Name     string    `json:"name"`
	State    string    `json:"state"`
	Severity string    `json:"severity,omitempty"`
	At       time.Time `json:"at"`
}

// Alert is one alert of the backup.
type Alert struct {
	Name     string     `json:"name"`
	State    string     `json:"state"` // firing, pending
	Severity string     `json:"severity,omitempty"`
	Since    *time.Time `json:"since,omitempty"`
}

// Task states as TiKV reports them (tikv_log_backup_task_status).
const (
	TaskRunning = "running"
	TaskPaused  = "paused"
	TaskError   = "error"
)

// TaskFigures are the log backup task's metrics from TiKV and TiDB.
type TaskFigures struct {
	Task string `json:"task"`
	// Scope: the label matchers that chose this TiDB cluster's series,
	// when more than one cluster runs a task of this name.
	Scope string `json:"scope,omitempty"`
	// State is the worst of the stores' (error > paused > running).
	State  string       `json:"state,omitempty"`
	Stores []StoreState `json:"stores,omitempty"`
	// Checkpoint: tidb_log_backup_last_checkpoint, and its lag behind now.
	Checkpoint *time.Time       `json:"checkpoint,omitempty"`
	Lag        *backup.Duration `json:"lag,omitempty"`
	// Advanced: how far the checkpoint moved in the last MovedWindow
	// (nil: no sample that old).
	Advanced *backup.Duration `json:"advanced,omitempty"`
	// MovedAt: when the checkpoint last moved within HistoryWindow (asked
	// only for a timeline; nil: not asked, or it did not move in it, which
	// Note then says): the first sample of tidb_log_backup_last_checkpoint
	// with the value it holds now.
	MovedAt *time.Time `json:"movedAt,omitempty"`
	// GCSafePoint: the TiKV GC safe point (tikv_gcworker_autogc_safe_point).
	GCSafePoint *time.Time `json:"gcSafePoint,omitempty"`
	// Errors and FatalErrors in the last hour, by type, on the stores
	// that run the task.
	Errors      map[string]float64 `json:"errors,omitempty"`
	FatalErrors map[string]float64 `json:"fatalErrors,omitempty"`
	// Absent: TiKV exports log backup metrics, but no store of this
	// backup's TiDB cluster reports this task (stopped, never started,
	// lost, or only another cluster runs a task of this name).
	Absent bool   `json:"absent,omitempty"`
	Note   string `json:"note,omitempty"`
	Error  string `json:"error,omitempty"`
	// Unread: the figures that could not be read, each "figure: reason"
	// (the others, the state first, are still shown).
	Unread []string `json:"unread,omitempty"`
}

// Stuck: the checkpoint did not move in the last MovedWindow and is
// further behind than that: the one test investigate's verdict, the
// metrics list and its RPO column share.
func (t *TaskFigures) Stuck() bool {
	return t != nil && t.Advanced != nil && *t.Advanced == 0 && t.Lag != nil && time.Duration(*t.Lag) > MovedWindow
}

// MovedWindow is how far back the checkpoint's movement is measured.
const MovedWindow = 15 * time.Minute

// StoreState is one TiKV store's view of the task.
type StoreState struct {
	Instance string `json:"instance"`
	State    string `json:"state"`
}
