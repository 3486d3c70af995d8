package report

import (
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// NewBackupSection is the backup section read from the object alone: its
// retry arithmetic at now and, for a log backup, the checkpoint and its
// lag. investigate and status build it the same way, so they diagnose a
// backup the same way.
func NewBackupSection(b *backup.Backup, statusSubresource bool, now time.Time) BackupSection {
	retry := b.Retry(now)
	s := BackupSection{Backup: b, Retry: &retry, StatusSubresource: statusSubresource}
	if t, ok := backup.CheckpointTime(b.CheckpointTS); ok && b.IsLog() {
		// A checkpoint ahead of this machine's clock has no lag.
		s.Checkpoint = &Checkpoint{TSO: b.CheckpointTS, Time: t, Lag: backup.Duration(max(now.Sub(t), 0))}
	}
	return s
}
