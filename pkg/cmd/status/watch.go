package status

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/fleet"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/render"
)

// redrawEvery bounds how often a terminal is redrawn, and how often
// changes are flushed elsewhere: a burst of changes is one redraw.
const redrawEvery = time.Second

// watch lists through informers, prints the first table once every source
// has listed (or the deadline passed), then prints changes until Ctrl-C
// (exit 0) or until no source can be watched any more (exit 1).
func (o *Options) watch(ctx context.Context) error {
	sources, err := o.streamSources()
	if err != nil {
		return err
	}
	fo := o.fleetOptions()
	w := fleet.NewWatcher(ctx, sources, fo)
	v := &watchView{o: o, rows: map[string]fleet.Row{}, tty: render.IsTerminal(o.Out, o.Getenv), json: o.output.Value() == "json",
		stream: render.NewStatusStream(o.Out, o.renderOptions())}

	synced := make(chan []string, 1)
	sctx, cancel := context.WithTimeout(ctx, o.firstDrawWait())
	defer cancel()
	go func() { synced <- w.Synced(sctx) }()
	done := w.Done()
	tick := time.NewTicker(redrawEvery)
	defer tick.Stop()
	listed := false
	for {
		select {
		case <-ctx.Done():
			if _, ok := cmdutil.Interrupted(ctx); ok {
				return nil // Ctrl-C is how a watch ends
			}
			return ctx.Err()
		case <-done:
			if ctx.Err() != nil {
				// Ctrl-C stops every source too: both cases are ready and
				// select picks one at random; the interrupt is the cause.
				if _, ok := cmdutil.Interrupted(ctx); ok {
					return nil
				}
				return ctx.Err()
			}
			// What the sources said as they stopped comes first.
			for drained := false; !drained; {
				select {
				case p := <-w.Problems:
					if err := o.problem(v, p); err != nil {
						return err
					}
				default:
					drained = true
				}
			}
			_ = v.flush(listed)
			return errors.New("the watch stopped: no source can be watched any more (see the warnings above)")
		case pending := <-synced:
			// Every row of the first list has been sent; some may still
			// wait in the channel.
			for drained := false; !drained; {
				select {
				case c := <-w.Changes:
					if err := v.change(c, false); err != nil {
						return err
					}
				default:
					drained = true
				}
			}
			listed = true
			if len(pending) > 0 && ctx.Err() == nil {
				v.warn(fleet.Problem{Message: fmt.Sprintf("%s not listed the backups yet; the rows are shown as they arrive", waitingFor(pending))})
			}
			if err := v.first(); err != nil {
				return err
			}
		case c := <-w.Changes:
			if err := v.change(c, listed); err != nil {
				return err
			}
		case p := <-w.Problems:
			if err := o.problem(v, p); err != nil {
				return err
			}
		case <-tick.C:
			if listed {
				if err := v.flush(true); err != nil {
					return err
				}
			}
		}
	}
}

// problem says a watch trouble as a warning; the one cluster (no
// --contexts) that cannot be reached ends the watch with its error line.
func (o *Options) problem(v *watchView, p fleet.Problem) error {
	if o.contextNames == nil && p.Group == "" && p.Err != nil {
		if errors.Is(p.Err, backupapi.ErrNoBackupAPI) {
			return p.Err
		}
		return cmdutil.ClusterError(p.Err, o.session)
	}
	v.warn(p)
	return nil
}

// firstDrawWait bounds the wait for the first table: the session's
// deadline for one cluster; with many contexts at most firstDrawMany, so
// one that hangs does not hold back the others' rows.
func (o *Options) firstDrawWait() time.Duration {
	d := cmdutil.DefaultDeadline
	if o.session != nil {
		d = o.session.Deadline
	}
	if len(o.sources) > 1 {
		d = min(d, firstDrawMany)
	}
	return d
}

// firstDrawMany is how long a watch of many contexts waits for them all.
const firstDrawMany = 5 * time.Second

func waitingFor(pending []string) string {
	switch {
	case len(pending) == 1 && pending[0] == "":
		return "the cluster has"
	case len(pending) == 1:
		return "context " + pending[0] + " has"
	}
	return "contexts " + strings.Join(pending, ", ") + " have"
}

// streamSources are the sources with clients fit for watches.
func (o *Options) streamSources() ([]fleet.Source, error) {
	out := make([]fleet.Source, len(o.sources))
	for i, src := range o.sources {
		out[i] = src
		if s := o.sessions[i]; s != nil && src.Err == nil {
			c, err := s.StreamClients()
			if err != nil {
				return nil, err
			}
			out[i].Clients = c
		}
	}
	return out, nil
}

// watchView keeps the rows seen and draws them: a terminal is redrawn as
// a whole, any other stream gets the changed rows appended, and -o json
// one object per change.
type watchView struct {
	o       *Options
	rows    map[string]fleet.Row
	pending []fleet.Change
	dirty   bool
	tty     bool
	json    bool
	stream  *render.StatusStream // appends rows where the output is not a terminal
}

// sameRow: the same object again (an informer that lists again hands
// every object over once more); the watcher already drops changes the row
// does not read.
func sameRow(a, b fleet.Row) bool { return a.ResourceVersion == b.ResourceVersion }

func (v *watchView) keep(r fleet.Row) bool { return !v.o.Failing || r.State.NeedsAttention() }

func (v *watchView) change(c fleet.Change, listed bool) error {
	key := c.Row.Key()
	prev, seen := v.rows[key]
	if c.Type == fleet.Modified && seen && sameRow(prev, c.Row) {
		return nil
	}
	if c.Type == fleet.Deleted {
		delete(v.rows, key)
	} else {
		v.rows[key] = c.Row
	}
	// --failing: a row that recovers is still shown once, so a reader sees it leave.
	if !v.keep(c.Row) && !(seen && v.keep(prev)) {
		return nil
	}
	if !listed {
		return nil // the first table shows it
	}
	if v.json {
		return output.PrintLine(v.o.Out, c.Output())
	}
	v.pending = append(v.pending, c)
	v.dirty = true
	return nil
}

// first prints the table of everything listed.
func (v *watchView) first() error {
	if v.json {
		for _, r := range v.sorted() {
			if !v.keep(r) {
				continue
			}
			if err := output.PrintLine(v.o.Out, fleet.Change{Type: fleet.Added, Row: r}.Output()); err != nil {
				return err
			}
		}
		return nil
	}
	if !v.tty {
		var rows []fleet.Change
		for _, r := range v.sorted() {
			if v.keep(r) {
				rows = append(rows, fleet.Change{Type: fleet.Added, Row: r})
			}
		}
		return v.stream.Write(rows, v.o.Now())
	}
	v.dirty = true
	return v.flush(true)
}

func (v *watchView) flush(listed bool) error {
	if !v.dirty || !listed || v.json {
		return nil
	}
	v.dirty = false
	changes := v.pending
	v.pending = nil
	if !v.tty {
		return v.stream.Write(changes, v.o.Now())
	}
	// A terminal shows the whole table, redrawn.
	if err := render.ClearScreen(v.o.Out); err != nil {
		return err
	}
	return render.Status(v.o.Out, v.status(), v.o.renderOptions())
}

func (v *watchView) sorted() []fleet.Row {
	rows := slices.Collect(maps.Values(v.rows))
	slices.SortFunc(rows, fleet.Less)
	return rows
}

// status is the view's rows as a fleet.Status, summarised like a list.
func (v *watchView) status() *fleet.Status {
	st := fleet.NewStatus(v.o.Now())
	for _, r := range v.sorted() {
		st.Add(r, v.keep(r))
	}
	return st
}

func (v *watchView) warn(p fleet.Problem) {
	_ = render.StatusProblem(v.o.ErrOut, p, render.Options{Color: render.ColorEnabled(v.o.ErrOut, v.o.Getenv)})
}
