package diagnose

import (
	"strings"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

func logRep(phase, sub string, task *report.TaskFigures) *report.Report {
	r := rep(&backup.Backup{Mode: "log", Phase: phase, LogSubcommand: sub})
	r.Metrics = report.MetricsSection{Prometheus: "http://p (--prometheus-url)", Task: task}
	return r
}

func dptr(d time.Duration) *backup.Duration { x := backup.Duration(d); return &x }

func stores(states ...string) []report.StoreState {
	var out []report.StoreState
	for i, s := range states {
		out = append(out, report.StoreState{Instance: "tikv-" + string(rune('0'+i)), State: s})
	}
	return out
}

// none fails when any finding of the rules below names the text.
func none(t *testing.T, fs []report.Finding, text string) {
	t.Helper()
	for _, f := range fs {
		if strings.Contains(f.Summary+f.Next, text) {
			t.Errorf("unexpected finding %q in:\n%s", text, summaries(fs))
		}
	}
}

func TestTaskErrorWhileBackupRunning(t *testing.T) {
	fs := Diagnose(logRep("Running", "log-start", &report.TaskFigures{Task: "pitr", State: report.TaskError, Stores: stores("running", "error", "running")}), Options{})
	expect(t, fs, report.Critical, `task "pitr" in ERROR on 1 of 3 stores`, "Running", "br log status --task-name=pitr", "br log resume")
	if fs[0].Severity != report.Critical {
		t.Errorf("critical first:\n%s", summaries(fs))
	}
	none(t, fs, "No problem found")
	// The look-alike: every store running.
	fs = Diagnose(logRep("Running", "log-start", &report.TaskFigures{Task: "pitr", State: report.TaskRunning, Stores: stores("running")}), Options{})
	none(t, fs, "ERROR")
}

func TestTaskPausedUnaskedAndAsked(t *testing.T) {
	fs := Diagnose(logRep("Running", "log-start", &report.TaskFigures{Task: "pitr", State: report.TaskPaused, Stores: stores("paused", "paused")}), Options{})
	expect(t, fs, report.Warning, "PAUSED on 2 of 2 stores", "nobody asked", "br log resume")
	fs = Diagnose(logRep("Paused", "log-pause", &report.TaskFigures{Task: "pitr", State: report.TaskPaused, Stores: stores("paused")}), Options{})
	expect(t, fs, report.Info, "paused, as the Backup asks")
	none(t, fs, "nobody asked")
}

func TestCheckpointStuck(t *testing.T) {
	cp := now.Add(-40 * time.Minute)
	stuck := &report.TaskFigures{Task: "pitr", State: report.TaskRunning, Checkpoint: &cp, Lag: dptr(40 * time.Minute), Advanced: dptr(0)}
	fs := Diagnose(logRep("Running", "log-start", stuck), Options{CheckpointLag: 10 * time.Minute})
	expect(t, fs, report.Critical, "has not moved in 15 minutes", "40m behind")
	// Moving, or no sample 15m old, or a small lag: silent.
	for name, tf := range map[string]*report.TaskFigures{
		"moving":    {Task: "pitr", State: report.TaskRunning, Checkpoint: &cp, Lag: dptr(40 * time.Minute), Advanced: dptr(5 * time.Minute)},
		"no sample": {Task: "pitr", State: report.TaskRunning, Checkpoint: &cp, Lag: dptr(40 * time.Minute)},
		"small lag": {Task: "pitr", State: report.TaskRunning, Checkpoint: &cp, Lag: dptr(5 * time.Minute), Advanced: dptr(0)},
		"paused":    {Task: "pitr", State: report.TaskPaused, Checkpoint: &cp, Lag: dptr(40 * time.Minute), Advanced: dptr(0)},
	} {
		t.Run(name, func(t *testing.T) {
			none(t, Diagnose(logRep("Running", "log-start", tf), Options{CheckpointLag: 10 * time.Minute}), "has not moved")
		})
	}
}

func TestGCSafePointPassedCheckpoint(t *testing.T) {
	cp, sp := now.Add(-3*time.Hour), now.Add(-time.Hour)
	fs := Diagnose(logRep("Running", "log-start", &report.TaskFigures{Task: "pitr", State: report.TaskError, Checkpoint: &cp, GCSafePoint: &sp}), Options{})
	expect(t, fs, report.Critical, "GC safe point", "has passed the task's checkpoint", "full backup")
	sp = now.Add(-4 * time.Hour)
	fs = Diagnose(logRep("Running", "log-start", &report.TaskFigures{Task: "pitr", State: report.TaskRunning, Checkpoint: &cp, GCSafePoint: &sp}), Options{})
	none(t, fs, "GC safe point")
}

func TestCheckpointMismatch(t *testing.T) {
	metricsCP := now.Add(-time.Minute)
	r := logRep("Running", "log-start", &report.TaskFigures{Task: "pitr", State: report.TaskRunning, Checkpoint: &metricsCP, Lag: dptr(time.Minute), Advanced: dptr(15 * time.Minute)})
	r.Backup.Checkpoint = &report.Checkpoint{Time: now.Add(-2 * time.Hour), Lag: backup.Duration(2 * time.Hour)}
	fs := Diagnose(r, Options{})
	expect(t, fs, report.Warning, "status.logCheckpointTs", "behind TiDB's checkpoint", "no longer refreshing")
	r.Backup.Checkpoint = &report.Checkpoint{Time: now.Add(-5 * time.Minute)}
	none(t, Diagnose(r, Options{}), "logCheckpointTs")
}

func TestTaskAbsentWhileRunning(t *testing.T) {
	fs := Diagnose(logRep("Running", "log-start", &report.TaskFigures{Task: "pitr", Absent: true}), Options{})
	expect(t, fs, report.Warning, "no TiKV store reports log backup task")
	none(t, Diagnose(logRep("Stopped", "log-stop", &report.TaskFigures{Task: "pitr", Absent: true}), Options{}), "no TiKV store")
}

func TestFatalErrorsAndRetriesAllFailed(t *testing.T) {
	fs := Diagnose(logRep("Running", "log-start", &report.TaskFigures{Task: "pitr", State: report.TaskRunning, FatalErrors: map[string]float64{"io": 2}}), Options{})
	expect(t, fs, report.Warning, "2 fatal log backup errors")
	two, zero := 2.0, 0.0
	r := rep(&backup.Backup{Phase: "Running"})
	r.Metrics.Retries = &report.RetryFigures{Results: &two, SuccessRatio: &zero}
	expect(t, Diagnose(r, Options{}), report.Warning, "Every retry that ended in the last hour failed (all 2")
	one := 1.0
	r.Metrics.Retries = &report.RetryFigures{Results: &two, SuccessRatio: &one}
	none(t, Diagnose(r, Options{}), "Every retry")
}

func TestMetricsErrorIsInfoOnly(t *testing.T) {
	r := rep(&backup.Backup{Phase: "Complete"})
	r.Metrics = report.MetricsSection{Error: "http://p (--prometheus-url): unreachable: connection refused"}
	fs := Diagnose(r, Options{})
	expect(t, fs, report.Info, "Section metrics not read", "connection refused")
	expect(t, fs, report.Info, "No problem found")
}
