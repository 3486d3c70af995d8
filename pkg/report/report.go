// Package report holds the data that `investigate` gathers: one struct with
// a section per source, each section with its own error, so a failing or
// forbidden source degrades one section and never the whole report. The
// text and the structured output are both rendered from it.
package report

import (
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
)

// Kind of investigate's structured output (docs/output.md).
const Kind = "Investigation"

// Report is everything `investigate` knows about one backup.
type Report struct {
	APIVersion  string    `json:"apiVersion"`
	Kind        string    `json:"kind"`
	GeneratedAt time.Time `json:"generatedAt"`
	// Interrupted: a signal stopped the gathering; the sections not read
	// carry an "interrupted" error.
	Interrupted bool              `json:"interrupted,omitempty"`
	Target      backup.Ref        `json:"target"`
	Backup      BackupSection     `json:"backup"`
	Events      EventsSection     `json:"events"`
	Workload    WorkloadSection   `json:"workload"`
	PodLog      PodLogSection     `json:"podLog"`
	Controller  ControllerSection `json:"controller"`
	Metrics     MetricsSection    `json:"metrics"`
	// Storage and ClusterBackups feed the field diagnoses (docs/diagnoses.md).
	Storage        StorageSection        `json:"storage"`
	ClusterBackups ClusterBackupsSection `json:"clusterBackups"`
	Diagnosis      []Finding             `json:"diagnosis"`
	// Timeline: with --timeline (and in a report bundle), everything
	// above on one time axis (pkg/timeline).
	Timeline *Timeline `json:"timeline,omitempty"`
}

// New starts a report with its kind set.
func New(target backup.Ref, now time.Time) *Report {
	return &Report{
		APIVersion:  output.APIVersion,
		Kind:        Kind,
		GeneratedAt: now,
		Target:      target,
	}
}

// BackupSection is the Backup object and its retry arithmetic.
type BackupSection struct {
	Backup *backup.Backup     `json:"object,omitempty"`
	Retry  *backup.RetryState `json:"retry,omitempty"`
	// Checkpoint is the log backup's checkpoint (TSO >> 18) and its lag.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
	// StatusSubresource: the group serves backups/status (operator v2).
	StatusSubresource bool   `json:"statusSubresource"`
	Error             string `json:"error,omitempty"`
}

// Checkpoint of a log backup.
type Checkpoint struct {
	TSO  string          `json:"tso"`
	Time time.Time       `json:"time"`
	Lag  backup.Duration `json:"lag"`
}

// EventsSection lists events of the backup (matched by UID) and of its jobs and pods.
type EventsSection struct {
	Items []Event `json:"items"`
	Note  string  `json:"note,omitempty"`
	Error string  `json:"error,omitempty"`
}

// Event is one Kubernetes event, flattened.
type Event struct {
	Object   string    `json:"object"` // Kind/name
	Type     string    `json:"type"`
	Reason   string    `json:"reason"`
	Message  string    `json:"message"`
	Count    int32     `json:"count"`
	LastSeen time.Time `json:"lastSeen"`
	// FirstSeen is left out when the event does not say (the timeline
	// dates an event by it, its last time otherwise).
	FirstSeen *time.Time `json:"firstSeen,omitempty"`
	// Retry marks the reasons that belong to the retry story.
	Retry bool `json:"retry"`
}

// WorkloadSection holds the Jobs and Pods owned by the backup.
type WorkloadSection struct {
	Jobs []Job `json:"jobs"`
	Pods []Pod `json:"pods"`
	// Unowned counts objects that carry the backup's label but whose owner
	// chain does not lead to this backup (e.g. left from a deleted one).
	Unowned int    `json:"unowned,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Job is a backup Job with its conditions.
type Job struct {
	Name       string    `json:"name"`
	Created    time.Time `json:"created"`
	Active     int32     `json:"active"`
	Succeeded  int32     `json:"succeeded"`
	Failed     int32     `json:"failed"`
	Conditions []string  `json:"conditions"` // "Failed=True (BackoffLimitExceeded)"
	// Started and Completed are status.startTime and status.completionTime
	// (a Job that failed has no completion time: its Failed transition
	// says when).
	Started   *time.Time `json:"started,omitempty"`
	Completed *time.Time `json:"completed,omitempty"`
	// Transitions are the conditions of Conditions with their times, in
	// the same order.
	Transitions []JobCondition `json:"transitions,omitempty"`
}

// JobCondition is one Job condition and when it last changed.
type JobCondition struct {
	Type    string    `json:"type"`
	Status  string    `json:"status"`
	Reason  string    `json:"reason,omitempty"`
	Message string    `json:"message,omitempty"`
	At      time.Time `json:"at,omitzero"`
}

// Pod is a backup Pod and, per container, why it is in its state.
type Pod struct {
	Name       string      `json:"name"`
	Job        string      `json:"job"`
	Phase      string      `json:"phase"`
	Node       string      `json:"node,omitempty"`
	Started    *time.Time  `json:"started,omitempty"`
	Containers []Container `json:"containers"`
}

// Container state, reduced to its cause.
type Container struct {
	Name     string `json:"name"`
	Init     bool   `json:"init,omitempty"`
	State    string `json:"state"`            // running, waiting, terminated
	Reason   string `json:"reason,omitempty"` // OOMKilled, Error, ImagePullBackOff...
	ExitCode *int32 `json:"exitCode,omitempty"`
	Message  string `json:"message,omitempty"`
	Restarts int32  `json:"restarts"`
	// MemoryLimit is the container's limit, kept for OOMKilled advice.
	MemoryLimit string `json:"memoryLimit,omitempty"`
	// StartedAt and FinishedAt date the current state: a running
	// container's start, a terminated one's start and end.
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	// LastTermination is the run before this one (a restarted or
	// crash-looping container), when the kubelet keeps it.
	LastTermination *Termination `json:"lastTermination,omitempty"`
}

// Termination is how a container's run ended.
type Termination struct {
	Reason     string     `json:"reason,omitempty"`
	ExitCode   int32      `json:"exitCode"`
	Message    string     `json:"message,omitempty"`
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
}

// Failed tells a container that ended badly or cannot start.
func (c Container) Failed() bool {
	return (c.State == "terminated" && (c.ExitCode == nil || *c.ExitCode != 0)) ||
		(c.State == "waiting" && c.Reason != "" && c.Reason != "PodInitializing" && c.Reason != "ContainerCreating")
}

// PodLogSection is the tail of the most recent failed backup pod.
type PodLogSection struct {
	Pod       string   `json:"pod,omitempty"`
	Container string   `json:"container,omitempty"`
	Lines     []string `json:"lines"`
	Note      string   `json:"note,omitempty"`
	Error     string   `json:"error,omitempty"`
	// Truncated: the log reached --limit-bytes, so it was read only in
	// part; its last line, when cut there, ends in "… [cut at --limit-bytes]".
	Truncated bool `json:"truncated,omitempty"`
	// LinesOverBudget is how many of the last --tail lines were left out,
	// oldest first, to hold at most 4 MiB (gather.MaxKeptBytes) of lines.
	LinesOverBudget int `json:"linesOverBudget,omitempty"`
	// FirstError and LastError are the log's first and last error lines
	// with their times (read only for a timeline: the log from its start,
	// up to --limit-bytes, and its last --tail lines). ErrorsNote says
	// what limited the search, or that it found none.
	FirstError *LogLine `json:"firstError,omitempty"`
	LastError  *LogLine `json:"lastError,omitempty"`
	ErrorsNote string   `json:"errorsNote,omitempty"`
}

// LogLine is one log line and the time the kubelet stamped on it (zero,
// and left out, when it carried none).
type LogLine struct {
	At   time.Time `json:"at,omitzero"`
	Text string    `json:"text"`
}

// ControllerSection is what the operator's controller logged about the backup.
type ControllerSection struct {
	Selector  string    `json:"selector"`
	Pods      []string  `json:"pods"` // namespace/name
	Since     time.Time `json:"since"`
	Scanned   int       `json:"scannedLines"`
	Matched   int       `json:"matchedLines"`
	Truncated bool      `json:"truncated,omitempty"` // limitBytes reached
	Lines     []string  `json:"lines"`
	// Times holds the time of each of Lines, in the same order (a line
	// without a timestamp has the time of the line before it).
	Times []time.Time `json:"times,omitempty"`
	Error string      `json:"error,omitempty"`
	// SkippedPods is how many pods matching the selector were not read:
	// at most 4 (gather.MaxControllerPods) are, Running ones first, the
	// newest started first; Pods names the ones read.
	SkippedPods int `json:"skippedPods,omitempty"`
	// LinesOverBudget is how many of the last --controller-tail matching
	// lines were left out, oldest first, to hold at most 4 MiB
	// (gather.MaxKeptBytes) of lines.
	LinesOverBudget int `json:"linesOverBudget,omitempty"`
}

// Severity of a finding.
type Severity string

// Severities, most urgent first.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Finding is one verdict with the next step to take.
type Finding struct {
	Severity Severity `json:"severity"`
	Summary  string   `json:"summary"`
	Next     string   `json:"next,omitempty"`
}

// OutputKind makes the report printable with output.Print.
func (r *Report) OutputKind() (string, string) { return r.APIVersion, r.Kind }
