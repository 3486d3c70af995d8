package fleet

import (
	"cmp"
	"slices"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// MetricsKind is the output kind of `kubectl logbackup metrics`.
const MetricsKind = "BackupMetricsList"

// Figures are Prometheus' figures for one backup: the parts of
// investigate's metrics section that a fleet view can ask for all at once.
type Figures struct {
	Retries *report.RetryFigures `json:"retries,omitempty"`
	Alerts  []report.Alert       `json:"alerts,omitempty"`
	Task    *report.TaskFigures  `json:"task,omitempty"`
}

// Any tells figures that say something.
func (f *Figures) Any() bool {
	return f != nil && (f.Retries != nil || len(f.Alerts) > 0 || (f.Task != nil && (f.Task.State != "" || f.Task.Checkpoint != nil)))
}

// MetricsRow is one backup of the metrics list.
type MetricsRow struct {
	Context   string `json:"context,omitempty"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Group     string `json:"group"`
	Mode      string `json:"mode"`
	Phase     string `json:"phase"`
	Figures
	// Urgency orders the list: 0 is the most urgent (see urgency).
	Urgency int `json:"urgency"`
}

// MetricsList is what `kubectl logbackup metrics` prints.
type MetricsList struct {
	APIVersion  string       `json:"apiVersion"`
	Kind        string       `json:"kind"`
	GeneratedAt time.Time    `json:"generatedAt"`
	Prometheus  string       `json:"prometheus,omitempty"`
	Items       []MetricsRow `json:"items"`
	// Notes: why a part has no figures (no exporter, no TiKV metrics).
	Notes []string `json:"notes,omitempty"`
	// Errors: Prometheus or the backups could not be read (in part).
	Errors []string `json:"errors,omitempty"`
}

// OutputKind is the list's apiVersion and kind.
func (l *MetricsList) OutputKind() (string, string) { return l.APIVersion, l.Kind }

// NewMetricsList starts an empty list.
func NewMetricsList(now time.Time) *MetricsList {
	return &MetricsList{APIVersion: output.APIVersion, Kind: MetricsKind, GeneratedAt: now, Items: []MetricsRow{}}
}

// FiguresFor picks a backup's figures out of the fleet's.
func FiguresFor(r Row, f *promapi.Fleet) *Figures {
	k := promapi.Key{Namespace: r.Namespace, Name: r.Name}
	fig := &Figures{Retries: f.Retries[k], Alerts: f.Alerts[k]}
	if r.Mode == "log" {
		t := promapi.Target{Namespace: r.Namespace, Name: r.Name, Log: true, Cluster: r.Cluster, ClusterNamespace: r.ClusterNamespace}
		fig.Alerts = append(fig.Alerts, f.TaskAlertsFor(t)...)
		fig.Task = f.TaskOf(t)
	}
	return fig
}

// AddMetrics adds every row that has figures, sorted most urgent first.
func (l *MetricsList) AddMetrics(rows []Row, f *promapi.Fleet) {
	for _, r := range rows {
		fig := FiguresFor(r, f)
		if !fig.Any() {
			continue
		}
		l.Items = append(l.Items, MetricsRow{Context: r.Context, Namespace: r.Namespace, Name: r.Name, Group: r.Group, Mode: r.Mode, Phase: r.Phase, Figures: *fig, Urgency: urgency(r, fig)})
	}
	slices.SortStableFunc(l.Items, func(a, b MetricsRow) int {
		return cmp.Or(cmp.Compare(a.Urgency, b.Urgency), cmp.Compare(lagOf(b), lagOf(a)),
			cmp.Compare(a.Context, b.Context), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
}

// urgency: 0 a task in error; 1 retries exhausted in the last hour or a
// critical alert firing; 2 a task paused or missing, or a checkpoint that
// stopped while the Backup runs; 3 a retry under way or an alert firing;
// 4 retries in the last 5 minutes or an alert pending; 5 the rest.
func urgency(r Row, f *Figures) int {
	t, rt := f.Task, f.Retries
	firing, critical, pending := false, false, false
	for _, a := range f.Alerts {
		switch a.State {
		case "firing":
			firing = true
			critical = critical || a.Severity == "critical"
		case "pending":
			pending = true
		}
	}
	running := r.Phase == "Running"
	switch {
	case t != nil && t.State == report.TaskError:
		return 0
	case (rt != nil && positive(rt.Exhausted)) || critical:
		return 1
	case t != nil && running && (t.State == report.TaskPaused || t.Absent || t.Stuck()):
		return 2
	case (rt != nil && positive(rt.Current)) || firing:
		return 3
	case (rt != nil && positive(rt.RatePerHour)) || pending:
		return 4
	}
	return 5
}

func positive(f *float64) bool { return f != nil && *f >= 0.5 }

func lagOf(r MetricsRow) time.Duration {
	if r.Task == nil || r.Task.Lag == nil {
		return 0
	}
	return time.Duration(*r.Task.Lag)
}
