package diagnose

import (
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// fieldReport decodes a field case exactly as the end-to-end tests store
// it, and builds its backup section as investigate and status do.
func fieldReport(t *testing.T, name string, change ...func(*fixtures.Backup)) *report.Report {
	t.Helper()
	fb, ok := fixtures.FieldCases("field", now)[name]
	if !ok {
		t.Fatalf("no field case %q", name)
	}
	for _, c := range change {
		c(&fb)
	}
	u, _, err := fixtures.Object(fb)
	if err != nil {
		t.Fatal(err)
	}
	b, err := backup.FromUnstructured(u)
	if err != nil || len(b.Invalid) > 0 {
		t.Fatalf("%v %v", err, b.Invalid)
	}
	b.Created = now.Add(-time.Hour)
	r := report.New(backup.Ref{Namespace: b.Namespace, Name: b.Name}, now)
	r.Backup = report.NewBackupSection(b, b.Group == backup.GroupV2, now)
	return r
}

// Each field finding is given by the backup rules too, so status shows it.
func backupAndFull(t *testing.T, r *report.Report, sev report.Severity, wants ...string) {
	t.Helper()
	expect(t, Diagnose(r, Options{CheckpointLag: DefaultCheckpointLag}), sev, wants...)
	expect(t, Backup(r, Options{CheckpointLag: DefaultCheckpointLag}), sev, wants...)
}

func TestTrackingStopped(t *testing.T) {
	backupAndFull(t, fieldReport(t, fixtures.TrackingLost), report.Warning, "stopped tracking", "[evidence: status.timeSynced", "120m ago", "#4745", "restart the operator")
	// Synced 30 s ago (the other cases): tracked.
	none(t, Diagnose(fieldReport(t, fixtures.TaskA), Options{}), "stopped tracking")
	// Paused on purpose: nothing to refresh.
	none(t, Diagnose(fieldReport(t, fixtures.TrackingLost, func(b *fixtures.Backup) { b.LogSubcommand = "log-pause" }), Options{}), "stopped tracking")
	// The lag is the operator's then, not the task's: no "not advancing".
	none(t, Diagnose(fieldReport(t, fixtures.TrackingLost), Options{CheckpointLag: DefaultCheckpointLag}), "checkpoint is 120m behind")
	// No timeSynced at all (operator v2, older v1): no evidence, silent;
	// the lag is then the checkpoint's own finding.
	noSync := Diagnose(fieldReport(t, fixtures.TrackingLost, func(b *fixtures.Backup) { b.TimeSynced = nil }), Options{CheckpointLag: DefaultCheckpointLag})
	none(t, noSync, "stopped tracking")
	expect(t, noSync, report.Warning, "checkpoint is 120m behind")
}

func TestLogTaskConditions(t *testing.T) {
	r := fieldReport(t, fixtures.ErrorPaused)
	backupAndFull(t, r, report.Critical, "BR paused the log backup task on an error", "condition RetryFailed/LogBackupErrorPaused", "AccessDenied", "br log resume --task-name=error-paused")
	none(t, Diagnose(r, Options{}), "transient controller error") // not the controller's own retry
	backupAndFull(t, fieldReport(t, fixtures.KernelSync), report.Warning, "corrected the Backup's status", "condition command log-pause vs spec.logSubcommand log-start")
	backupAndFull(t, fieldReport(t, fixtures.TaskNotFound), report.Critical, "found no log backup task named task-not-found", "LogBackupTaskNotFound", "take a full backup")
	backupAndFull(t, fieldReport(t, fixtures.QueryFailed), report.Critical, "could not read the log backup task's state from PD's etcd", "LogBackupStateQueryFailed", "DNS")

	// Look-alikes: the controller's own transient RetryFailed; a sync
	// that agrees with the spec; a TaskNotFound the backup has left behind.
	transient := fieldReport(t, fixtures.ErrorPaused, func(b *fixtures.Backup) {
		b.Conditions[1].Reason, b.Conditions[1].Message = "CreateBackupJobFailed", "quota"
	})
	none(t, Diagnose(transient, Options{}), "BR paused")
	expect(t, Diagnose(transient, Options{}), report.Warning, "transient controller error")
	agrees := Diagnose(fieldReport(t, fixtures.KernelSync, func(b *fixtures.Backup) { b.LogSubcommand = "log-pause" }), Options{})
	none(t, agrees, "corrected")
	expect(t, agrees, report.Info, "matches spec.logSubcommand")
	old := fieldReport(t, fixtures.TaskNotFound, func(b *fixtures.Backup) {
		b.Phase = "Running"
		b.Conditions[0].LastTransitionTime = ptr(now.Add(-time.Minute))
	})
	none(t, Diagnose(old, Options{}), "found no log backup task")
}

func TestDisruptedRetry(t *testing.T) {
	backupAndFull(t, fieldReport(t, fixtures.Evicted), report.Warning, "Retry 1 was caused by Evicted", "node or the scheduler", "originalReason Evicted", "reason=Evicted")
	for _, reason := range []string{"BackoffLimitExceeded", "Error", ""} {
		r := fieldReport(t, fixtures.Evicted, func(b *fixtures.Backup) { b.Records[0].OriginalReason = reason })
		none(t, Diagnose(r, Options{}), "node or the scheduler")
	}
	done := fieldReport(t, fixtures.Evicted, func(b *fixtures.Backup) { b.Phase = "Complete" })
	expect(t, Diagnose(done, Options{}), report.Info, "caused by Evicted")
	// An older disruption followed by BR's own failure is not the cause.
	later := fieldReport(t, fixtures.Evicted, func(b *fixtures.Backup) {
		next := b.Records[0]
		next.RetryNum, next.OriginalReason = 2, "BackoffLimitExceeded"
		b.Records = append(b.Records, next)
	})
	none(t, Diagnose(later, Options{}), "caused by Evicted")
	// DeadlineExceeded may be BR itself: not "not BR".
	deadline := fieldReport(t, fixtures.Evicted, func(b *fixtures.Backup) { b.Records[0].OriginalReason = "DeadlineExceeded" })
	expect(t, Diagnose(deadline, Options{}), report.Warning, "caused by DeadlineExceeded", "BR was slow or hung")
}

// A log task condition that no longer holds (status False) is no verdict.
func TestLogTaskConditionFalse(t *testing.T) {
	r := fieldReport(t, fixtures.ErrorPaused, func(b *fixtures.Backup) {
		for i := range b.Conditions {
			b.Conditions[i].Status = "False"
		}
	})
	none(t, Diagnose(r, Options{}), "BR paused the log backup task")
}

func TestProgressStalled(t *testing.T) {
	backupAndFull(t, fieldReport(t, fixtures.Stalled), report.Warning, "no progress for 120m", `"Full Backup" stays at 37.5%`, "status.progresses")
	moving := fieldReport(t, fixtures.Stalled, func(b *fixtures.Backup) { b.Progresses[0].LastTransitionTime = ptr(now.Add(-5 * time.Minute)) })
	none(t, Diagnose(moving, Options{}), "no progress")
	finished := fieldReport(t, fixtures.Stalled, func(b *fixtures.Backup) { b.Phase = "Complete" })
	none(t, Diagnose(finished, Options{}), "no progress")
	without := fieldReport(t, fixtures.Stalled, func(b *fixtures.Backup) { b.Progresses = nil })
	none(t, Diagnose(without, Options{}), "no progress")
}

func TestNoStatus(t *testing.T) {
	r := fieldReport(t, fixtures.NoStatus)
	backupAndFull(t, r, report.Warning, "has no status 60m after it was created", "no status field")
	noHealthy(t, Backup(r, Options{}))
	// With the controller's line, the cause is known.
	r.Controller.Lines = []string{"2026-11-25T09:58:00.000Z\tINFO\tbackup\t" + fixtures.RejectedStatusLine + "\t{\"namespace\": \"field\", \"backup\": \"no-status\"}"}
	expect(t, Diagnose(r, Options{}), report.Critical, "no status", "controller log line", "no PD group")
	// Just created: nothing is late yet, unless the controller said why.
	fresh := fieldReport(t, fixtures.NoStatus)
	fresh.Backup.Backup.Created = now.Add(-time.Minute)
	none(t, Diagnose(fresh, Options{}), "no status")
	fresh.Controller.Lines = r.Controller.Lines
	expect(t, Diagnose(fresh, Options{}), report.Critical, "no status", "no PD group")
	// A status with a phase: recorded.
	none(t, Diagnose(fieldReport(t, fixtures.NoJob), Options{}), "no status")
}

func TestStuckDeletion(t *testing.T) {
	r := fieldReport(t, fixtures.Deleting)
	r.Backup.Backup.DeletionTimestamp = ptr(now.Add(-time.Hour))
	backupAndFull(t, r, report.Warning, "deleted 60m ago", "held by its finalizers", "#5968", "metadata.finalizers tidb.pingcap.com/backup-protection", `"remove","path":"/metadata/finalizers"`)
	r.Backup.Backup.DeletionTimestamp = ptr(now.Add(-time.Minute))
	none(t, Diagnose(r, Options{}), "held by its finalizers")
	r.Backup.Backup.DeletionTimestamp, r.Backup.Backup.Finalizers = ptr(now.Add(-time.Hour)), nil
	none(t, Diagnose(r, Options{}), "held by its finalizers")
}

func TestNoJob(t *testing.T) {
	r := fieldReport(t, fixtures.NoJob)
	r.Workload = report.WorkloadSection{Jobs: []report.Job{}, Pods: []report.Pod{}}
	expect(t, Diagnose(r, Options{}), report.Warning, "stuck before its Job exists", "phase Scheduled for 20m", "no Job owned")
	r.Events.Items = []report.Event{{Object: "Backup/no-job", Type: "Warning", Reason: "FailedCreate", Message: fixtures.FailedCreateMessage, LastSeen: now.Add(-time.Minute)}}
	expect(t, Diagnose(r, Options{}), report.Warning, "stuck before its Job exists", "event FailedCreate", "exceeded quota", "cannot create the Job")
	// A Job exists; the jobs could not be listed; scheduled a minute ago.
	withJob := fieldReport(t, fixtures.NoJob)
	withJob.Workload.Jobs = []report.Job{{Name: "backup-no-job"}}
	none(t, Diagnose(withJob, Options{}), "stuck before")
	unread := fieldReport(t, fixtures.NoJob)
	unread.Workload.Error = "forbidden"
	none(t, Diagnose(unread, Options{}), "stuck before")
	fresh := fieldReport(t, fixtures.NoJob, func(b *fixtures.Backup) { b.Conditions[0].LastTransitionTime = ptr(now.Add(-time.Minute)) })
	none(t, Diagnose(fresh, Options{}), "stuck before")
	// v1 keeps Scheduled while a retry waits, its Job deleted: not stuck.
	waiting := fieldReport(t, fixtures.NoJob, func(b *fixtures.Backup) {
		b.Records = []backup.RetryRecord{{RetryNum: 1, DetectFailedAt: ptr(now.Add(-time.Minute)), ExpectedRetryAt: ptr(now.Add(time.Hour))}}
	})
	none(t, Diagnose(waiting, Options{}), "stuck before")
}

func TestStorageCredentials(t *testing.T) {
	yes, no := true, false
	base := func(s report.StorageSection) *report.Report {
		r := fieldReport(t, fixtures.CredsMissing)
		s.Provider = "s3"
		r.Storage = s
		return r
	}
	expect(t, Diagnose(base(report.StorageSection{SecretName: "s3-creds", SecretFound: &yes, Keys: []string{"Secret_Key", "access_key"}, Missing: []string{"secret_key"}}), Options{}),
		report.Critical, "lacks the keys the operator reads for s3: secret_key", "its keys: Secret_Key, access_key", "spec.s3.secretName s3-creds")
	expect(t, Diagnose(base(report.StorageSection{SecretName: "s3-creds", SecretFound: &no}), Options{}), report.Critical, "does not exist", "access_key, secret_key")
	expect(t, Diagnose(base(report.StorageSection{ServiceAccount: "default", ServiceAccountFound: &yes}), Options{}), report.Warning, "no cloud identity annotation", "IRSA")
	expect(t, Diagnose(base(report.StorageSection{ServiceAccount: "br", ServiceAccountFound: &no}), Options{}), report.Critical, "service account br", "does not exist")
	expect(t, Diagnose(base(report.StorageSection{SecretName: "s3-creds", SecretError: "forbidden: missing permission to get secrets in namespace field"}), Options{}), report.Info, "not checked", "get secrets")
	// Look-alikes: all keys there; no Secret but IRSA; a local path.
	for _, s := range []report.StorageSection{
		{SecretName: "s3-creds", SecretFound: &yes, Keys: []string{"access_key", "secret_key"}},
		{ServiceAccount: "br", ServiceAccountFound: &yes, Identity: []string{"eks.amazonaws.com/role-arn=arn:aws:iam::1:role/br"}},
	} {
		fs := Diagnose(base(s), Options{})
		none(t, fs, "Secret")
		none(t, fs, "identity")
	}
	local := base(report.StorageSection{})
	local.Storage.Provider = "local"
	none(t, Diagnose(local, Options{}), "Secret")
}

func TestTaskTaken(t *testing.T) {
	r := fieldReport(t, fixtures.TaskB)
	r.ClusterBackups = report.ClusterBackupsSection{Cluster: "tidb-cluster/basic", Items: []report.ClusterBackup{{Namespace: "field", Name: "pitr-a", Phase: "Running", LogSubcommand: "log-start"}}}
	expect(t, Diagnose(r, Options{}), report.Warning, "Another log backup task already runs on TiDB cluster tidb-cluster/basic", "field/pitr-a (Running, log-start)", "#5249", "log-stop")
	r.ClusterBackups.Items = nil
	r.PodLog = report.PodLogSection{Pod: "backup-pitr-b-log-start-x", Lines: []string{"start", fixtures.TaskExistsLine}}
	expect(t, Diagnose(r, Options{}), report.Critical, "already runs", "ErrStreamLogTaskExist")
	// A Backup being deleted, or paused, may still hold the task; this
	// one failing to start is the case #5249 describes.
	for _, o := range []report.ClusterBackup{{Namespace: "field", Name: "gone", Phase: "Running", LogSubcommand: "log-start", Deleting: true}, {Namespace: "field", Name: "held", Phase: "Paused", LogSubcommand: "log-pause"}} {
		q := fieldReport(t, fixtures.TaskB, func(b *fixtures.Backup) { b.Phase = "Failed" })
		q.ClusterBackups = report.ClusterBackupsSection{Cluster: "tidb-cluster/basic", Items: []report.ClusterBackup{o}}
		expect(t, Diagnose(q, Options{}), report.Warning, "already runs", "field/"+o.Name)
	}
	// Look-alikes: the other one is stopped; this one is stopped; another cluster's lines.
	for _, o := range []report.ClusterBackup{{Namespace: "field", Name: "old", Phase: "Stopped", LogSubcommand: "log-stop"}} {
		q := fieldReport(t, fixtures.TaskB)
		q.ClusterBackups = report.ClusterBackupsSection{Cluster: "tidb-cluster/basic", Items: []report.ClusterBackup{o}}
		none(t, Diagnose(q, Options{}), "already runs")
	}
	stopped := fieldReport(t, fixtures.TaskB, func(b *fixtures.Backup) { b.LogSubcommand, b.Phase = "log-stop", "Stopped" })
	stopped.ClusterBackups = report.ClusterBackupsSection{Items: []report.ClusterBackup{{Name: "pitr-a", Phase: "Running", LogSubcommand: "log-start"}}}
	none(t, Diagnose(stopped, Options{}), "already runs")
	// Another BR error that says "already exists" is not this one.
	other := fieldReport(t, fixtures.TaskB)
	other.PodLog = report.PodLogSection{Pod: "p", Lines: []string{`jobs.batch "backup-pitr-b-log-start" already exists`}}
	none(t, Diagnose(other, Options{}), "already runs")
}

func TestRetryOverlap(t *testing.T) {
	r := fieldReport(t, fixtures.Overlap)
	r.Workload.Pods = []report.Pod{{Name: "backup-overlap-new", Job: "backup-overlap", Phase: "Running"}, {Name: "backup-overlap-old", Job: "backup-overlap", Phase: "Running"}}
	expect(t, Diagnose(r, Options{}), report.Warning, "Two BR processes", "2 backup pods running at once", "#4980")
	r.Workload.Pods = []report.Pod{{Name: "backup-overlap-new", Phase: "Failed"}}
	r.PodLog = report.PodLogSection{Pod: "backup-overlap-new", Lines: []string{fixtures.CheckpointLockLine}}
	expect(t, Diagnose(r, Options{}), report.Warning, "Two BR processes", "There may be another BR")
	// One running pod and an older failed one: a normal retry.
	ok := fieldReport(t, fixtures.Overlap)
	ok.Workload.Pods = []report.Pod{{Name: "new", Phase: "Running"}, {Name: "old", Phase: "Failed"}}
	ok.PodLog = report.PodLogSection{Pod: "old", Lines: []string{"[ERROR] backup failed: context canceled"}}
	none(t, Diagnose(ok, Options{}), "Two BR processes")
}

func TestTruncateOOM(t *testing.T) {
	code := int32(137)
	oom := report.Container{Name: "backup", State: "terminated", Reason: "OOMKilled", ExitCode: &code, MemoryLimit: "4Gi"}
	r := fieldReport(t, fixtures.TruncateOOM)
	r.Workload.Pods = []report.Pod{{Name: "backup-truncate-oom-log-truncate-q8w2x", Job: "backup-truncate-oom-log-truncate", Phase: "Failed", Containers: []report.Container{oom}}}
	fs := Diagnose(r, Options{})
	expect(t, fs, report.Critical, "log truncate ran out of memory", "#36648", "smaller steps", "spec.logTruncateUntil")
	expect(t, fs, report.Critical, "OOMKilled (memory limit 4Gi)") // the memory advice stays
	// The log-start Job's OOM is not a truncate's.
	r.Workload.Pods[0].Job = "backup-truncate-oom-log-start"
	none(t, Diagnose(r, Options{}), "log truncate")
}
