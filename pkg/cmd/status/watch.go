package status

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

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
	v := &watchView{o: o, rows: map[string]fleet.Row{}, tty: render.IsTerminal(o.Out, o.Getenv), json: o.output.Value() == "json"}

	synced := make(chan bool, 1)
	sctx, cancel := context.WithTimeout(ctx, o.deadline())
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
			_ = v.flush(listed)
			return errors.New("the watch stopped: no source can be watched any more (see the warnings above)")
		case ok := <-synced:
			listed = true
			if !ok && ctx.Err() == nil {
				v.warn(fleet.Problem{Message: "not every source has listed its backups yet; they are shown as they arrive"})
			}
			if err := v.first(); err != nil {
				return err
			}
		case c := <-w.Changes:
			if err := v.change(c, listed); err != nil {
				return err
			}
		case p := <-w.Problems:
			v.warn(p)
		case <-tick.C:
			if listed {
				if err := v.flush(true); err != nil {
					return err
				}
			}
		}
	}
}

func (o *Options) deadline() time.Duration {
	if o.session != nil {
		return o.session.Deadline
	}
	return cmdutil.DefaultDeadline
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
	header  bool // the header of the appended rows was printed
}

func (v *watchView) keep(r fleet.Row) bool { return !v.o.Failing || r.State.NeedsAttention() }

func (v *watchView) change(c fleet.Change, listed bool) error {
	key := c.Row.Key()
	prev, seen := v.rows[key]
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
	v.dirty = true
	return v.flush(true)
}

func (v *watchView) flush(listed bool) error {
	if !v.dirty || !listed || v.json {
		return nil
	}
	v.dirty = false
	if v.tty || !v.header {
		// A terminal shows the whole table, redrawn; elsewhere the first
		// table is printed whole once, then changed rows are appended.
		if v.tty {
			if err := render.ClearScreen(v.o.Out); err != nil {
				return err
			}
		}
		st := v.status()
		v.pending, v.header = nil, true
		return render.Status(v.o.Out, st, v.o.renderOptions())
	}
	changes := v.pending
	v.pending = nil
	return render.StatusChanges(v.o.Out, changes, v.o.renderOptions(), v.o.Now(), false)
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
