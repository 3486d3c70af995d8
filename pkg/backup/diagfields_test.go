package backup

import (
	"testing"
	"time"
)

// The fields the field diagnoses read, as the operators write them.
func TestDiagnosisFieldsDecode(t *testing.T) {
	b := decode(t, object(t, `{"apiVersion": "pingcap.com/v1alpha1", "kind": "Backup",
	  "metadata": {"name": "pitr", "namespace": "tidb", "finalizers": ["tidb.pingcap.com/backup-protection"],
	    "deletionTimestamp": "2026-11-25T09:00:00Z"},
	  "spec": {"backupMode": "log", "serviceAccount": "br-sa", "logTruncateUntil": "2026-11-20 00:00:00",
	    "gcs": {"projectId": "p", "bucket": "b", "secretName": "gcs-secret"}},
	  "status": {"phase": "Running", "timeSynced": "2026-11-25T08:00:00Z",
	    "conditions": [{"type": "Complete", "status": "True", "reason": "LogBackupKernelSync", "message": "Synced with kernel state: paused", "command": "log-pause"}],
	    "progresses": [{"step": "Full Backup", "progress": 41.5, "lastTransitionTime": "2026-11-25T07:00:00Z"}, {"step": "Checksum", "progress": 100}]}}`))
	if len(b.Invalid) != 0 {
		t.Fatalf("invalid: %v", b.Invalid)
	}
	if len(b.Finalizers) != 1 || b.DeletionTimestamp == nil || !b.DeletionTimestamp.Equal(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("finalizers %v, deletion %v", b.Finalizers, b.DeletionTimestamp)
	}
	if b.StatusAbsent || b.TimeSynced == nil || b.ServiceAccount != "br-sa" || b.LogTruncateUntil != "2026-11-20 00:00:00" {
		t.Errorf("statusAbsent %v, timeSynced %v, sa %q, truncate %q", b.StatusAbsent, b.TimeSynced, b.ServiceAccount, b.LogTruncateUntil)
	}
	if b.Storage == nil || *b.Storage != (Storage{Provider: StorageGCS, SecretName: "gcs-secret"}) {
		t.Errorf("storage %+v", b.Storage)
	}
	if b.Conditions[0].Command != "log-pause" {
		t.Errorf("condition command %q", b.Conditions[0].Command)
	}
	if len(b.Progresses) != 2 || b.Progresses[0].Progress != 41.5 || b.Progresses[1].Progress != 100 || b.Progresses[1].LastTransitionTime != nil {
		t.Errorf("progresses %+v", b.Progresses)
	}

	// v2 with no PD group: the operator's status update was refused, so
	// the object has none; {} is the same.
	for _, status := range []string{``, `, "status": {}`} {
		b := decode(t, object(t, `{"apiVersion": "br.pingcap.com/v1alpha1", "kind": "Backup",
		  "metadata": {"name": "x", "namespace": "tidb-v2"}, "spec": {}`+status+`}`))
		if !b.StatusAbsent || b.Storage != nil {
			t.Errorf("status %q: absent %v, storage %+v", status, b.StatusAbsent, b.Storage)
		}
	}

	// A progress that is not a number from 0 to 100 is reported and its
	// step left out (never judged as stuck at 0 %); the rest still read.
	bad := decode(t, object(t, `{"apiVersion": "pingcap.com/v1alpha1", "kind": "Backup", "metadata": {"name": "x", "namespace": "tidb"},
	  "status": {"phase": "Running", "progresses": [{"step": "Full Backup", "progress": "41%"}, 7, {"step": "a", "progress": -5}, {"step": "b", "progress": 150}, {"step": "c", "progress": 40}]}}`))
	if len(bad.Invalid) != 4 || bad.Invalid[0].Field != "status.progresses[0].progress" || bad.Invalid[1].Field != "status.progresses[1]" ||
		bad.Invalid[2].Field != "status.progresses[2].progress" || len(bad.Progresses) != 1 || bad.Progresses[0].Step != "c" {
		t.Errorf("invalid %v, progresses %+v", bad.Invalid, bad.Progresses)
	}
}
