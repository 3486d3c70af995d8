package status

import (
	"context"
	"sync"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/fleet"
	"github.com/logbackup/kubectl-logbackup/pkg/promapi"
)

// promFleets are the answers of each source's Prometheus (status -o wide).
type promFleets struct {
	fleets []*promapi.Fleet // by source; nil where none answered
	notes  []fleet.Problem
}

// askPrometheus starts asking each source's Prometheus for the fleet's
// figures, while the backups are listed; wait returns the answers. Only
// -o wide shows them, so nothing is asked otherwise.
func (o *Options) askPrometheus(ctx context.Context) (wait func() *promFleets) {
	res := &promFleets{fleets: make([]*promapi.Fleet, len(o.sources))}
	if o.output.Value() != formatWide || o.promConfig.Disabled {
		return func() *promFleets { return res }
	}
	// Within the command's deadline, as the list is.
	deadline := cmdutil.DefaultDeadline
	if o.session != nil {
		deadline = o.session.Deadline
	}
	ctx, cancelAll := context.WithTimeout(ctx, deadline)
	var wg sync.WaitGroup
	var mu sync.Mutex
	timeout := o.promConfig.Timeout
	for i, s := range o.sessions {
		if s == nil {
			continue
		}
		src := o.sources[i]
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, 2*timeout)
			out := promapi.Connect(cctx, o.promConfig, promapi.Kube{Config: s.Config, Client: s.Clients.Kube}, src.Namespace)
			cancel()
			var f *promapi.Fleet
			if out.Client != nil {
				fctx, cancel := context.WithTimeout(ctx, timeout)
				f = out.Client.Fleet(fctx, src.Namespace, o.Now())
				cancel()
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case out.Error != "":
				res.notes = append(res.notes, fleet.Problem{Context: src.Context, Message: "metrics columns empty: Prometheus at " + out.Error})
			case out.Skipped != "":
				res.notes = append(res.notes, fleet.Problem{Context: src.Context, Message: "metrics columns empty: " + out.Skipped})
			default:
				res.fleets[i] = f
			}
		})
	}
	return func() *promFleets { wg.Wait(); cancelAll(); return res }
}

// addMetrics puts each row's figures on it; it says whether any source's
// Prometheus answered (then -o wide draws the columns).
func (o *Options) addMetrics(st *fleet.Status, pf *promFleets) bool {
	byContext := map[string]*promapi.Fleet{}
	any := false
	for i, f := range pf.fleets {
		if f != nil {
			byContext[o.sources[i].Context] = f
			any = true
			for _, n := range []string{f.RetriesError, f.TasksError, f.AlertsError} {
				if n != "" {
					st.Notes = append(st.Notes, fleet.Problem{Context: o.sources[i].Context, Message: "metrics: " + n})
				}
			}
		}
	}
	st.Notes = append(st.Notes, pf.notes...)
	for i := range st.Items {
		if f := byContext[st.Items[i].Context]; f != nil {
			st.Items[i].Metrics = fleet.FiguresFor(st.Items[i], f)
		}
	}
	return any
}
