package report

import "slices"

// RetryReasons are the event reasons that tell the retry story: the
// log-backup-retry feature's own and the operator's Job/PVC failures.
// investigate and events mark the same ones.
func RetryReasons() []string {
	return []string{"RetryStarted", "RetryExhausted", "BackupFailed", "FailedCreate", "FailedDelete", "BackoffLimitExceeded"}
}

// IsRetryReason: the reason is one of the retry story's.
func IsRetryReason(reason string) bool { return slices.Contains(RetryReasons(), reason) }
