package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// The history a timeline reads (the alerts' transitions, the checkpoint's
// last movement) is asked of the real Prometheus through promapi itself:
// no verb asks for it yet. The assertions sit in the tests that already
// run a Prometheus (prometheus_task_test.go, exporter_prometheus_test.go).

// figuresWithHistory is the metrics section of target, with its history,
// from the Prometheus that c and kube reach.
func figuresWithHistory(t *testing.T, c promapi.Config, kube promapi.Kube, target promapi.Target) report.MetricsSection {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c.Timeout = 10 * time.Second
	o := promapi.Connect(ctx, c, kube)
	if o.Client == nil {
		t.Fatalf("connect: %+v", o)
	}
	target.History = true
	sec := o.Client.Figures(ctx, target, time.Now())
	if sec.Error != "" {
		t.Fatalf("metrics section: %+v", sec)
	}
	return sec
}

// transitionsOf are the history's transitions of one alert, oldest first.
func transitionsOf(p *report.AlertsPart, name string) []report.AlertTransition {
	var out []report.AlertTransition
	if p == nil {
		return nil
	}
	for _, tr := range p.History {
		if tr.Name == name {
			out = append(out, tr)
		}
	}
	return out
}

// checkPendingThenFiring: the alert's first transitions are pending, at
// when it became active (ALERTS_FOR_STATE, which the item's since reads,
// to the second), then firing once its `for` had passed (within a few
// evaluations of one second); while it fires, nothing resolved it.
func checkPendingThenFiring(t *testing.T, p *report.AlertsPart, name string, forDur time.Duration) {
	t.Helper()
	var item *report.Alert
	for i := range p.Items {
		if p.Items[i].Name == name {
			item = &p.Items[i]
		}
	}
	trs := transitionsOf(p, name)
	if item == nil || item.State != "firing" || item.Since == nil || len(trs) < 2 || len(p.Unread) != 0 {
		t.Fatalf("%s: item %+v, history %+v, unread %q", name, item, trs, p.Unread)
	}
	pending, firing := trs[0], trs[1]
	if pending.State != "pending" || !pending.At.Truncate(time.Second).Equal(*item.Since) {
		t.Errorf("%s: first transition %+v, want pending at %s (ALERTS_FOR_STATE)", name, pending, item.Since)
	}
	if d := firing.At.Sub(pending.At); firing.State != "firing" || d < forDur || d > forDur+5*time.Second {
		t.Errorf("%s: second transition %+v (%s after pending), want firing %s after", name, firing, d, forDur)
	}
	for _, tr := range trs[2:] {
		t.Errorf("%s: firing now, but the history has %+v after it fired", name, tr)
	}
}

// timelineHas: the report's timeline has an entry of source whose line is
// what, at at (to the second).
func timelineHas(rep *report.Report, source, what string, at time.Time) bool {
	if rep.Timeline == nil {
		return false
	}
	for _, g := range rep.Timeline.Groups {
		for _, e := range g.Entries {
			if e.Source == source && e.What == what && e.At.Truncate(time.Second).Equal(at.Truncate(time.Second)) {
				return true
			}
		}
	}
	return false
}
