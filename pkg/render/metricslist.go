package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/fleet"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// MetricsListOptions tune the metrics table.
type MetricsListOptions struct {
	Options
	AllNamespaces bool
	Contexts      bool
}

// MetricsList draws `kubectl logbackup metrics`: one row per backup with
// figures, most urgent first, then the notes and errors.
func MetricsList(w io.Writer, l *fleet.MetricsList, o MetricsListOptions) error {
	p := newPrinter(w, o.Options, l.GeneratedAt)
	if l.Prometheus != "" {
		p.f("Prometheus: %s\n", l.Prometheus)
	}
	if len(l.Items) > 0 {
		var h []string
		if o.Contexts {
			h = append(h, "CONTEXT")
		}
		if o.AllNamespaces {
			h = append(h, "NAMESPACE")
		}
		h = append(h, "NAME", "MODE", "PHASE", "RETRYING", "RETRIES/H", "OK 1H", "EXHAUSTED 1H", "TIMEOUTS 1H", "P50", "P90", "TASK", "RPO", "ALERTS")
		rows := make([][]string, 0, len(l.Items))
		for _, r := range l.Items {
			var c []string
			if o.Contexts {
				c = append(c, r.Context)
			}
			if o.AllNamespaces {
				c = append(c, r.Namespace)
			}
			c = append(c, r.Name, text.Dash(r.Mode), text.Dash(r.Phase))
			c = append(c, retryCells(r.Retries)...)
			c = append(c, taskCell(r.Task), rpoCell(r.Task), alertsCell(r.Alerts))
			rows = append(rows, c)
		}
		p.table("", h, rows)
	} else {
		p.f("No backup has figures in Prometheus.\n")
	}
	for _, n := range l.Notes {
		p.f("%s %s\n", p.paint(cyan, "note:"), n)
	}
	for _, e := range l.Errors {
		p.f("%s %s\n", p.paint(red, "error:"), e)
	}
	return p.err
}

func retryCells(r *report.RetryFigures) []string {
	if r == nil {
		return []string{"-", "-", "-", "-", "-", "-", "-"}
	}
	ok := "-"
	if r.SuccessRatio != nil {
		ok = strconv.Itoa(int(*r.SuccessRatio*100+0.5)) + "%"
	}
	return []string{num(r.Current), rate(r.RatePerHour), ok, num(r.Exhausted), num(r.Timeouts), dur(r.P50), dur(r.P90)}
}

// taskCell is the task's state, or why there is none.
func taskCell(t *report.TaskFigures) string {
	switch {
	case t == nil:
		return "-"
	case t.Error != "":
		return "error: " + t.Error
	case t.Absent:
		return "absent"
	case t.State == "":
		return "-"
	}
	return t.State
}

func rpoCell(t *report.TaskFigures) string {
	if t == nil || t.Lag == nil {
		return "-"
	}
	s := dur(t.Lag)
	if t.Stuck() {
		s += " (stuck)"
	}
	return s
}

// alertsCell names the alerts, firing first; a pending one is marked.
func alertsCell(as []report.Alert) string {
	if len(as) == 0 {
		return "-"
	}
	names := make([]string, 0, len(as))
	for _, a := range as {
		if a.State == "pending" {
			names = append(names, a.Name+" (pending)")
		} else {
			names = append(names, a.Name)
		}
	}
	return strings.Join(names, ", ")
}

// metricsCells are status -o wide's metrics columns.
func metricsCells(f *fleet.Figures) []string {
	if f == nil {
		return []string{"-", "-", "-", "-"}
	}
	rateCell := "-"
	if f.Retries != nil {
		rateCell = rate(f.Retries.RatePerHour)
		if f.Retries.SuccessRatio != nil {
			rateCell += fmt.Sprintf(" (%d%% ok)", int(*f.Retries.SuccessRatio*100+0.5))
		}
	}
	return []string{rateCell, taskCell(f.Task), rpoCell(f.Task), alertsCell(f.Alerts)}
}
