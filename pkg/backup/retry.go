package backup

import (
	"strings"
	"time"
)

// Phases and reasons the operators write (docs/operator-facts.md).
const (
	PhaseFailed = "Failed"
	// PhaseRetryFailed is set when a retry starts (v1) or when a failure is
	// recorded (v2); it is not the waiting state: v1 keeps the earlier phase
	// while a retry waits. Whether a backup is retrying is read from its
	// records (RetryState.Retrying). There is no "Retrying" phase.
	PhaseRetryFailed = "RetryFailed"
	PhaseComplete    = "Complete"
	PhaseRunning     = "Running"
)

// Exhaustion causes.
const (
	ExhaustedByCount   = "count"
	ExhaustedByTimeout = "timeout"
)

// RetryState is the retry arithmetic of one backup at one instant.
type RetryState struct {
	Used    int `json:"used"`
	Allowed int `json:"allowed"`
	// FirstDetected opens the retry-timeout window; Deadline closes it.
	FirstDetected *time.Time `json:"firstDetected,omitempty"`
	Deadline      *time.Time `json:"deadline,omitempty"`
	// Retrying: the backup is in its retry story by its records, i.e. the
	// last record has no realRetryAt and the phase is not Failed. The phase
	// cannot tell: v1 stays Scheduled or Running while a retry waits.
	Retrying bool `json:"retrying"`
	// Pending is that last record (set exactly when Retrying).
	Pending        *RetryRecord `json:"pending,omitempty"`
	PendingOverdue bool         `json:"pendingOverdue,omitempty"`
	// AtLimit: the next failure ends the backup (count spent or window closed).
	AtLimit bool `json:"atLimit"`
	// ExhaustedBy is set once the backup is Failed because of its retry
	// limits: "count" or "timeout".
	ExhaustedBy string `json:"exhaustedBy,omitempty"`
	// FailedReason and FailedMessage come from the newest Failed condition.
	FailedReason  string `json:"failedReason,omitempty"`
	FailedMessage string `json:"failedMessage,omitempty"`
}

// Retry computes the retry state at now.
func (b *Backup) Retry(now time.Time) RetryState {
	s := RetryState{Used: len(b.Records), Allowed: b.Policy.MaxRetryTimes}
	if len(b.Records) > 0 {
		if first := b.Records[0].DetectFailedAt; first != nil {
			deadline := first.Add(time.Duration(b.Policy.RetryTimeout))
			s.FirstDetected, s.Deadline = first, &deadline
		}
		// A Failed backup has nothing pending: the controller skips it.
		if last := b.Records[len(b.Records)-1]; last.RealRetryAt == nil && b.Phase != PhaseFailed {
			s.Retrying, s.Pending = true, &last
			s.PendingOverdue = last.ExpectedRetryAt != nil && now.After(*last.ExpectedRetryAt)
		}
	}
	s.AtLimit = s.Used >= s.Allowed || (s.Deadline != nil && now.After(*s.Deadline))
	if b.Phase == PhaseFailed {
		if c := b.Condition(PhaseFailed); c != nil {
			s.FailedReason, s.FailedMessage = c.Reason, c.Message
		}
		s.ExhaustedBy = exhaustedBy(s.FailedReason, s.FailedMessage, len(b.Records) > 0, s.Deadline, now)
	}
	return s
}

// exhaustedBy tells whether a Failed backup failed because its retries ran
// out, reading the reasons each operator writes.
func exhaustedBy(reason, message string, hasRecords bool, deadline *time.Time, now time.Time) string {
	// Each operator's own reason first; v1 writes AlreadyFailed for both
	// limits, so only there the message (then the clock) decides.
	switch reason {
	case "RetryTimeout":
		return ExhaustedByTimeout
	case "ExceedRetryLimit", "ExceededMaxRetries":
		return ExhaustedByCount
	case "AlreadyFailed":
		msg := strings.ToLower(message)
		switch {
		case strings.Contains(msg, "retry timeout"):
			return ExhaustedByTimeout
		case strings.Contains(msg, "exceed retry times"):
			return ExhaustedByCount
		case hasRecords && deadline != nil && now.After(*deadline):
			return ExhaustedByTimeout
		case hasRecords:
			return ExhaustedByCount
		}
	}
	return ""
}

// Condition returns the newest condition of type t, or nil.
func (b *Backup) Condition(t string) *Condition {
	for i := range b.Conditions { // sorted newest first
		if b.Conditions[i].Type == t {
			return &b.Conditions[i]
		}
	}
	return nil
}
