package bench

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

// fleetNamespaces is how many namespaces the fleet is spread over.
const fleetNamespaces = 50

// seedParallel bounds the creates in flight: enough to keep the API server
// busy on two cores, few enough that it never throttles or times out.
const seedParallel = 32

// fleetNamespace is where the i-th backup of the fleet lives.
func fleetNamespace(i int) string { return fmt.Sprintf("fleet-%02d", i%fleetNamespaces) }

// seedFleet adds backups from..to-1 (both groups, 50 namespaces) to the
// cluster, so a benchmark can grow the same fleet from 1,000 to 10,000.
// v1 stores its status with the object (one create); v2 needs the status
// subresource (a create, then an update of the status).
func seedFleet(ctx context.Context, env *fixtures.Env, from, to int) error {
	for i := range fleetNamespaces {
		if err := env.EnsureNamespace(ctx, fleetNamespace(i)); err != nil {
			return err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(seedParallel)
	for i := from; i < to; i++ {
		g.Go(func() error { return createFleetBackup(gctx, env, fleetBackup(env.Now, i)) })
	}
	return g.Wait()
}

func createFleetBackup(ctx context.Context, env *fixtures.Env, b fixtures.Backup) error {
	status, err := fixtures.StatusObject(b)
	if err != nil {
		return err
	}
	spec := map[string]any{"backupMode": b.Mode, "br": map[string]any{"cluster": "basic", "clusterNamespace": b.Namespace}}
	if b.LogSubcommand != "" {
		spec["logSubcommand"] = b.LogSubcommand
	}
	if b.Policy != nil {
		spec["backoffRetryPolicy"] = b.Policy
	}
	spec["s3"] = map[string]any{"provider": "aws", "region": "us-west-2", "bucket": "backups", "prefix": b.Namespace + "/" + b.Name, "secretName": "s3-secret"}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": b.Group + "/" + backup.Version,
		"kind":       "Backup",
		"metadata": map[string]any{"name": b.Name, "namespace": b.Namespace, "labels": map[string]any{
			"app.kubernetes.io/component": "backup", "tidb.pingcap.com/backup-schedule": "fleet"}},
		"spec": spec,
	}}
	res := env.Dynamic.Resource(fixtures.GVR(b.Group)).Namespace(b.Namespace)
	if b.Group == backup.GroupV1 {
		u.Object["status"] = status
		_, err := res.Create(ctx, u, metav1.CreateOptions{})
		return err
	}
	created, err := res.Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	created.Object["status"] = status
	_, err = res.UpdateStatus(ctx, created, metav1.UpdateOptions{})
	return err
}

// fleetBackup is the i-th backup: odd ones v2, even ones v1; of every ten,
// five healthy snapshots, one retrying, one exhausted, one failed without
// retries and two log backups with checkpoints (one of them lagging), which
// is a fleet having a bad day rather than a quiet one.
func fleetBackup(now time.Time, i int) fixtures.Backup {
	at := func(d time.Duration) *time.Time { t := now.Add(d).Truncate(time.Second); return &t }
	group := backup.GroupV1
	if i%2 == 1 {
		group = backup.GroupV2
	}
	b := fixtures.Backup{Group: group, Namespace: fleetNamespace(i), Name: fmt.Sprintf("backup-%05d", i), Mode: "snapshot"}
	reason := "Job backup-" + b.Name + " has failed"
	if group == backup.GroupV2 {
		reason = "Job " + b.Namespace + "/backup-" + b.Name + " has failed"
	}
	record := func(n int, detected, expected time.Duration, ran bool) backup.RetryRecord {
		r := backup.RetryRecord{RetryNum: n, DetectFailedAt: at(detected), ExpectedRetryAt: at(expected), RetryReason: reason, OriginalReason: "BackoffLimitExceeded"}
		if ran {
			r.RealRetryAt = r.ExpectedRetryAt
		}
		return r
	}
	switch i % 10 {
	case 5: // retrying: the first retry is pending
		rec := record(1, -2*time.Minute, 3*time.Minute, false)
		b.Phase = "RetryFailed"
		b.Policy = map[string]any{"maxRetryTimes": int64(3), "minRetryDuration": "5m", "retryTimeout": "1h"}
		b.Records = []backup.RetryRecord{rec}
		b.Conditions = []backup.Condition{
			{Type: "Scheduled", Status: "True", LastTransitionTime: at(-20 * time.Minute)},
			{Type: "Running", Status: "True", LastTransitionTime: at(-19 * time.Minute)},
			{Type: "RetryFailed", Status: "True", Reason: "RetryFailedBackup", Message: "reason " + reason + ", original reason BackoffLimitExceeded", LastTransitionTime: at(-2 * time.Minute)},
		}
	case 6: // exhausted by count
		recs := []backup.RetryRecord{
			record(1, -50*time.Minute, -45*time.Minute, true),
			record(2, -40*time.Minute, -30*time.Minute, true),
			record(3, -20*time.Minute, 0, false),
		}
		b.Phase = "Failed"
		b.Records = recs
		b.Conditions = []backup.Condition{
			{Type: "Scheduled", Status: "True", LastTransitionTime: at(-30 * time.Minute)},
			{Type: "RetryFailed", Status: "True", Reason: "RetryFailedBackup", Message: "reason " + reason + ", original reason BackoffLimitExceeded", LastTransitionTime: at(-30 * time.Minute)},
			{Type: "Failed", Status: "True", Reason: "AlreadyFailed", Message: "exceed retry times, max is 2, failed reason " + reason + ", original reason BackoffLimitExceeded", LastTransitionTime: at(-20 * time.Minute)},
		}
	case 7: // failed, no retry records
		b.Phase = "Failed"
		b.Conditions = []backup.Condition{
			{Type: "Failed", Status: "True", Reason: "BackupFailed", Message: "backup failed: rpc error: code = Unavailable desc = connection refused", LastTransitionTime: at(-3 * time.Hour)},
		}
	case 8, 9: // log backups; the 9s lag by two hours
		lag := 30 * time.Second
		if i%10 == 9 {
			lag = 2 * time.Hour
		}
		b.Mode, b.LogSubcommand, b.Phase = "log", "log-start", "Running"
		b.Conditions = []backup.Condition{
			{Type: "Scheduled", Status: "True", LastTransitionTime: at(-30 * time.Hour)},
			{Type: "Running", Status: "True", LastTransitionTime: at(-30 * time.Hour)},
		}
		b.CheckpointTS = backup.TSOFromTime(now.Add(-lag))
	default: // healthy snapshots
		b.Phase = "Complete"
		b.Conditions = []backup.Condition{
			{Type: "Scheduled", Status: "True", LastTransitionTime: at(-3 * time.Hour)},
			{Type: "Running", Status: "True", LastTransitionTime: at(-3 * time.Hour)},
			{Type: "Complete", Status: "True", LastTransitionTime: at(-2 * time.Hour)},
		}
	}
	return b
}
