package render

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// metrics draws what Prometheus knows: the exporter's retry figures, the
// alerts, and a log backup's task as TiKV and TiDB report it. Each part
// says its own note or error.
func metrics(p *printer, s report.MetricsSection) {
	if s.Prometheus == "" && s.Skipped == "" && s.Error == "" {
		return // a report from before the section, or a caller that never asks
	}
	p.heading("Metrics (Prometheus)")
	if s.Prometheus != "" {
		p.f("  From:        %s\n", s.Prometheus)
	}
	if s.Skipped != "" {
		p.f("  %s\n", s.Skipped)
	}
	if p.sectionError(s.Error) {
		return
	}
	if r := s.Retries; r != nil {
		switch {
		case r.Error != "":
			p.f("  Retries:     %s %s\n", p.paint(red, "error:"), r.Error)
		case r.Note != "":
			p.f("  Retries:     %s\n", r.Note)
		default:
			p.f("  Retries:     %s now, %s/h (5m rate); last hour: %s, %s exhausted, %s timed out\n",
				num(r.Current), rate(r.RatePerHour), results(r), num(r.Exhausted), num(r.Timeouts))
			p.f("  Duration:    p50 %s, p90 %s (retries that ended in the last hour)\n", dur(r.P50), dur(r.P90))
			unread(p, r.Unread)
		}
	}
	if a := s.Alerts; a != nil {
		switch {
		case a.Error != "":
			p.f("  Alerts:      %s %s\n", p.paint(red, "error:"), a.Error)
		case len(a.Items) == 0:
			p.f("  Alerts:      none firing or pending\n")
		default:
			for i, al := range a.Items {
				label := "  Alerts:      "
				if i > 0 {
					label = "               "
				}
				var more []string
				if al.Since != nil {
					more = append(more, "since "+stamp(*al.Since)+" ("+p.ago(*al.Since)+")")
				}
				if al.Severity != "" {
					more = append(more, "["+al.Severity+"]")
				}
				if len(more) == 0 {
					p.f("%s%s %s\n", styled(label), al.Name, p.paint(alertColor(al.State), al.State))
				} else {
					p.f("%s%s %s %s\n", styled(label), al.Name, p.paint(alertColor(al.State), al.State), strings.Join(more, " "))
				}
			}
		}
		unread(p, a.Unread) // the history's (asked for a timeline only)
	}
	if t := s.Task; t != nil {
		task(p, t)
	}
}

func task(p *printer, t *report.TaskFigures) {
	if t.Scope != "" {
		p.f("  Task:        %s (TiKV/TiDB metrics, series %s)\n", strconv.Quote(t.Task), t.Scope)
	} else {
		p.f("  Task:        %s (TiKV/TiDB metrics)\n", strconv.Quote(t.Task))
	}
	if p.sectionError(t.Error) {
		return
	}
	if t.State != "" {
		p.f("  State:       %s %s\n", p.paint(stateColor(t.State), strings.ToUpper(t.State)), stores(t.Stores))
	}
	if t.Checkpoint != nil {
		moved := "no sample 15m old"
		if t.Advanced != nil {
			moved = "moved " + dur(t.Advanced) + " in the last 15m"
		}
		p.f("  Checkpoint:  %s (lag %s; %s)\n", stamp(*t.Checkpoint), dur(t.Lag), moved)
	}
	if t.GCSafePoint != nil {
		p.f("  GC safepoint: %s\n", stamp(*t.GCSafePoint))
	}
	if t.State != "" {
		p.f("  Errors (1h): %s; fatal: %s\n", counts(t.Errors), counts(t.FatalErrors))
	}
	unread(p, t.Unread)
	if t.Note != "" {
		p.f("  %s\n", t.Note)
	}
}

// unread names the figures that could not be read, one per line.
func unread(p *printer, figures []string) {
	for _, u := range figures {
		p.f("  %s %s\n", p.paint(red, "not read:"), u)
	}
}

func stores(ss []report.StoreState) string {
	if len(ss) == 0 {
		return ""
	}
	byState := map[string][]string{}
	for _, s := range ss {
		byState[s.State] = append(byState[s.State], s.Instance)
	}
	var parts []string
	for _, st := range []string{report.TaskError, report.TaskPaused, report.TaskRunning} {
		if n := len(byState[st]); n > 0 {
			parts = append(parts, fmt.Sprintf("%s on %s", st, listSome(byState[st], 3)))
		}
		delete(byState, st)
	}
	for st, in := range byState {
		parts = append(parts, fmt.Sprintf("%s on %s", st, listSome(in, 3)))
	}
	return "(" + text.Plural(len(ss), "store") + ": " + strings.Join(parts, "; ") + ")"
}

func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

func counts(m map[string]float64) string {
	if len(m) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(m))
	var total float64
	for k, v := range m {
		keys = append(keys, k)
		total += v
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %s", text.Dash(k), fmtNum(m[k])))
	}
	return fmtNum(total) + " (" + strings.Join(parts, ", ") + ")"
}

func results(r *report.RetryFigures) string {
	if r.Results == nil || *r.Results == 0 {
		return "no result"
	}
	ratio := "-"
	if r.SuccessRatio != nil {
		ratio = strconv.Itoa(int(*r.SuccessRatio*100+0.5)) + "%"
	}
	return fmt.Sprintf("%s succeeded of %s results", ratio, fmtNum(*r.Results))
}

func num(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmtNum(*f)
}

// fmtNum writes a count as a whole number: increase() extrapolates over
// its window, so a count of 1 may read 1.03.
func fmtNum(f float64) string { return strconv.FormatFloat(math.Round(f), 'f', 0, 64) }

// rate writes a rate with one decimal below 10.
func rate(f *float64) string {
	if f == nil {
		return "-"
	}
	if *f >= 10 {
		return strconv.FormatFloat(*f, 'f', 0, 64)
	}
	return strconv.FormatFloat(*f, 'f', 1, 64)
}

func dur[T fmt.Stringer](d *T) string {
	if d == nil {
		return "-"
	}
	return (*d).String()
}

func alertColor(state string) string {
	if state == "firing" {
		return red
	}
	return yellow
}

func stateColor(state string) string {
	switch state {
	case report.TaskRunning:
		return cyan
	case report.TaskPaused:
		return yellow
	}
	return red
}
