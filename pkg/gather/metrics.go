package gather

import (
	"context"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Prometheus says where the metrics section comes from. A nil
// *Prometheus leaves the section out (a caller that never asks).
type Prometheus struct {
	Config     promapi.Config
	Kube       promapi.Kube
	TaskLabels promapi.Matchers
	// History: also read the alerts' transitions and the checkpoint's
	// last movement (for a timeline; more queries, larger answers).
	History bool
}

// connectPrometheus starts finding Prometheus at once (it needs only the
// namespace), so its round trips overlap the backup's own.
func connectPrometheus(ctx context.Context, p *Prometheus, ns string) <-chan promapi.Outcome {
	out := make(chan promapi.Outcome, 1)
	if p == nil {
		close(out)
		return out
	}
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 2*timeoutOf(p))
		defer cancel()
		out <- promapi.Connect(ctx, p.Config, p.Kube, ns)
	}()
	return out
}

func timeoutOf(p *Prometheus) time.Duration {
	if p.Config.Timeout > 0 {
		return p.Config.Timeout
	}
	return promapi.DefaultTimeout
}

// gatherMetrics fills the metrics section once Prometheus is found. All
// its queries together are bounded by --prometheus-timeout, so a slow
// Prometheus delays the report by that much at most.
func gatherMetrics(ctx context.Context, p *Prometheus, conn <-chan promapi.Outcome, b *backup.Backup, now time.Time) report.MetricsSection {
	var o promapi.Outcome
	select {
	case o = <-conn:
	case <-ctx.Done():
		return report.MetricsSection{Error: "interrupted before Prometheus answered"}
	}
	if o.Client == nil {
		return report.MetricsSection{Skipped: o.Skipped, Error: o.Error}
	}
	ctx, cancel := context.WithTimeout(ctx, timeoutOf(p))
	defer cancel()
	return o.Client.Figures(ctx, promapi.Target{
		Namespace:        b.Namespace,
		Name:             b.Name,
		Log:              b.IsLog(),
		Cluster:          b.Cluster,
		ClusterNamespace: b.ClusterNamespace,
		TaskLabels:       p.TaskLabels,
		History:          p.History,
	}, now)
}
