package report

import (
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// Timeline is every dated thing investigate gathered about one backup, on
// one time axis, grouped by cause: the first run, then each retry with the
// events, Jobs, Pods and log lines it produced. Built from the report
// alone by pkg/timeline (so it is the same for live and saved data).
type Timeline struct {
	// GeneratedAt is the report's time: "now" for a pending gap and for
	// the relative times a view draws.
	GeneratedAt time.Time       `json:"generatedAt"`
	Groups      []TimelineGroup `json:"groups"`
	// Gaps are the delays that matter ("retry #2 due 14:05, started
	// 14:31: 26 minutes late"), in time order.
	Gaps []TimelineGap `json:"gaps"`
	// Notes say what the timeline could not include (events expired, a
	// section not read).
	Notes []string `json:"notes,omitempty"`
}

// TimelineGroup is the entries with one cause: "first run" or "retry #N".
type TimelineGroup struct {
	Title string `json:"title"`
	// Retry is the retry number the group belongs to; 0 for the first run
	// and for entries no retry explains.
	Retry int `json:"retry"`
	// From is when the group begins: a retry's failure detection (left
	// out for the first run).
	From    time.Time       `json:"from,omitzero"`
	Entries []TimelineEntry `json:"entries"`
}

// Sources of timeline entries.
const (
	SourceBackup     = "backup"     // creation, deletion, checkpoint (the object)
	SourceRetry      = "retry"      // status.backoffRetryStatus
	SourceCondition  = "condition"  // status.conditions
	SourceEvent      = "event"      // Kubernetes events
	SourceJob        = "job"        // the backup's Jobs
	SourcePod        = "pod"        // the backup's Pods and containers
	SourcePodLog     = "pod-log"    // the failed backup pod's log
	SourceController = "controller" // the operator's log lines about the backup
	SourceAlert      = "alert"      // Prometheus alert transitions
	SourceMetrics    = "metrics"    // the log backup task as TiKV/TiDB report it
)

// TimelineEntry is one dated thing.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	Source string    `json:"source"`
	// Object is the thing it is about: Backup/NAME, Job/NAME, Pod/NAME.
	Object string `json:"object,omitempty"`
	// What is a short line; Detail the rest (a message, a log line).
	What   string `json:"what"`
	Detail string `json:"detail,omitempty"`
}

// TimelineGap is a delay: something due at Due happened at At (or has not
// happened by the report's time, Pending).
type TimelineGap struct {
	What    string          `json:"what"`
	Due     time.Time       `json:"due"`
	At      *time.Time      `json:"at,omitempty"`
	Late    backup.Duration `json:"late"`
	Pending bool            `json:"pending,omitempty"`
}

// SpansDays tells a timeline whose entries (and report time) fall on more
// than one UTC day: its times are then drawn with their dates.
func (tl *Timeline) SpansDays() bool {
	day := tl.GeneratedAt.UTC().Format(time.DateOnly)
	for _, g := range tl.Groups {
		for _, e := range g.Entries {
			if e.At.UTC().Format(time.DateOnly) != day {
				return true
			}
		}
	}
	return false
}
