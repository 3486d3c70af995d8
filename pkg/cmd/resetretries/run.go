package resetretries

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/render"
	"github.com/logbackup/kubectl-logbackup/pkg/reset"
)

// item is one backup to handle: named on the command line (ref), or
// already read by --all's listing (found).
type item struct {
	ref   backup.Ref
	found *backupapi.Found
}

// run is the state of one Run: where text goes, the answers, the results.
type run struct {
	o      *Options
	human  io.Writer // previews and outcomes: stdout, or stderr with -o
	draw   render.Options
	prompt *prompter
	apis   []backupapi.API
	result *reset.Result
	multi  bool // several backups: each error is printed as it happens
	// writeErr is the first error writing for a person; it does not end
	// the run (a reset already sent is seen through).
	writeErr error
}

// Run previews, asks and resets batch by batch: each named backup is its
// own batch with its own question; --all is one batch with one question.
func (o *Options) Run(ctx context.Context) error {
	// With -o json|yaml, stdout carries only the result; what a person
	// reads (previews, the question) goes to stderr.
	human := o.Out
	if o.output.Value() != "" {
		human = o.ErrOut
	}
	r := &run{o: o, human: human, draw: render.Options{Color: render.ColorEnabled(human, o.Getenv)},
		prompt: newPrompter(o.In, human), result: reset.NewResult(o.dryRun.Value()), multi: o.All || len(o.refs) > 1}

	// Every API step has its own deadline: the time a person takes to
	// answer must not count against it.
	sctx, cancel := o.session.OneShot(ctx)
	apis, err := backupapi.Discover(sctx, o.session.Clients.Kube.Discovery().RESTClient(), o.apiGroup.Value())
	cancel()
	if err != nil {
		return o.fatal(ctx, err, "nothing was read or changed")
	}
	r.apis = apis

	if o.All {
		sctx, cancel := o.session.OneShot(ctx)
		found, err := reset.WithRecords(sctx, o.session.Clients.Dynamic, apis, o.namespace)
		cancel()
		if err != nil {
			return o.fatal(ctx, err, "nothing was changed")
		}
		if len(found) == 0 {
			r.write(render.ResetNothingInNamespace(r.human, o.namespace, r.draw))
		}
		batch := make([]item, len(found))
		for i := range found {
			batch[i] = item{ref: backup.Ref{Namespace: o.namespace, Name: found[i].Object.GetName()}, found: &found[i]}
		}
		r.batch(ctx, batch)
	} else {
		for _, ref := range o.refs {
			if ctx.Err() != nil {
				r.skipped(ref)
				continue
			}
			r.batch(ctx, []item{{ref: ref}})
		}
	}
	return r.finish(ctx)
}

// fatal is an error before any backup was handled.
func (o *Options) fatal(ctx context.Context, err error, what string) error {
	if ierr := cmdutil.InterruptedError(ctx, "%s", what); ierr != nil {
		return ierr
	}
	return cmdutil.ClusterError(err, o.session)
}

// batch previews every item, then asks once for all that have records.
func (r *run) batch(ctx context.Context, items []item) {
	var plans []*reset.Plan
	var outs []*reset.Outcome
	for _, it := range items {
		if ctx.Err() != nil { // interrupted: the rest is not even previewed
			r.skipped(it.ref)
			continue
		}
		p, err := r.plan(ctx, it)
		if err != nil {
			r.fail(r.result.Add(it.ref, nil), r.o.fatal(ctx, err, "nothing was changed"))
			continue
		}
		r.write(render.ResetPreview(r.human, p, r.draw))
		if p.Empty() {
			out := r.result.Add(it.ref, p)
			out.Outcome = reset.OutcomeNothing
			r.write(render.ResetOutcome(r.human, out, r.draw))
			continue
		}
		plans, outs = append(plans, p), append(outs, r.result.Add(it.ref, p))
	}
	if len(plans) == 0 {
		return
	}
	if ctx.Err() != nil { // interrupted while previewing: nothing to ask
		for _, out := range outs {
			out.Outcome = reset.OutcomeSkipped
		}
		return
	}
	switch r.o.dryRun.Value() {
	case DryRunClient:
		for i, p := range plans {
			*outs[i] = reset.Outcome{Target: p.Target, Preview: p, Outcome: reset.OutcomeDryRun, PatchPath: p.Path(), Patch: p.Patch()}
			r.write(render.ResetOutcome(r.human, outs[i], r.draw))
		}
		return
	case DryRunServer:
		r.apply(ctx, plans, outs, true)
		return
	}
	if !r.o.Yes {
		if !r.o.IsTerminal(r.o.In) {
			for _, out := range outs {
				r.fail(out, errNoTerminal)
			}
			return
		}
		_, err := io.WriteString(r.human, "\n")
		r.write(err)
		ok, err := r.prompt.confirm(ctx, render.ResetQuestion(plans))
		if err != nil {
			if ierr := cmdutil.InterruptedError(ctx, "no answer was given; nothing was changed"); ierr != nil {
				for _, out := range outs {
					out.Outcome = reset.OutcomeSkipped // nothing was sent
					r.fail(out, ierr)
				}
				return
			}
			for _, out := range outs {
				r.fail(out, err)
			}
			return
		}
		if !ok {
			for _, out := range outs {
				out.Outcome = reset.OutcomeDeclined
				r.write(render.ResetOutcome(r.human, out, r.draw))
			}
			return
		}
	}
	r.apply(ctx, plans, outs, false)
}

// plan reads one backup and previews its reset.
func (r *run) plan(ctx context.Context, it item) (*reset.Plan, error) {
	ctx, cancel := r.o.session.OneShot(ctx)
	defer cancel()
	f := it.found
	if f == nil {
		found, err := backupapi.Find(ctx, r.o.session.Clients.Dynamic, r.apis, it.ref)
		if err != nil {
			return nil, err
		}
		f = &found
	}
	return reset.NewPlan(ctx, r.o.session.Clients, *f, r.o.Now())
}

// apply runs the safe reset of each plan. Once a patch is on its way, an
// interrupt does not abandon it: the person is told the command waits for
// the answer (a second Ctrl-C quits at once), and the remaining plans are
// skipped.
func (r *run) apply(ctx context.Context, plans []*reset.Plan, outs []*reset.Outcome, dryRun bool) {
	for i, p := range plans {
		if ctx.Err() != nil { // interrupted before this one was sent
			outs[i].Outcome = reset.OutcomeSkipped
			continue
		}
		told := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			defer close(told)
			r.write(render.ResetAwaitingAnswer(r.human, p.Target, r.o.session.Deadline, r.draw))
		})
		out := reset.Do(ctx, r.o.session.Clients, p, reset.Options{DryRun: dryRun, Timeout: r.o.session.Deadline, Now: r.o.Now})
		if !stop() {
			<-told // it ran: let it finish before the outcome is drawn
		}
		*outs[i] = *out
		r.write(render.ResetOutcome(r.human, outs[i], r.draw))
		if out.Err != nil {
			r.fail(outs[i], cmdutil.ClusterError(out.Err, r.o.session))
		}
	}
}

// skipped records a named backup that an interrupt left unhandled.
func (r *run) skipped(ref backup.Ref) {
	out := r.result.Add(ref, nil)
	out.Outcome = reset.OutcomeSkipped
}

// fail records a backup's error. With several backups each error is
// printed when it happens and the exit status sums them up at the end.
func (r *run) fail(out *reset.Outcome, err error) {
	out.Fail(err)
	if r.multi {
		writeLine(r.o.ErrOut, cmdutil.OneLine(err))
	}
}

func (r *run) write(err error) {
	if r.writeErr == nil {
		r.writeErr = err
	}
}

// finish prints the structured result and decides the exit status. Once a
// backup was reset, a failure to print is a warning, not a failed command.
func (r *run) finish(ctx context.Context) error {
	_, r.result.Interrupted = cmdutil.Interrupted(ctx)
	var printErr error
	if f := r.o.output.Value(); f != "" {
		printErr = output.Print(r.o.Out, f, r.result)
	}
	if printErr == nil {
		printErr = r.writeErr
	}
	var failed []error
	for _, it := range r.result.Items {
		if it.Err != nil {
			failed = append(failed, it.Err)
		}
	}
	switch {
	case printErr != nil && r.result.Changed():
		writeLine(r.o.ErrOut, "warning: "+strings.TrimPrefix(cmdutil.OneLine(printErr), "error: ")+"; the reset itself is done")
	case printErr != nil:
		return printErr
	}
	if _, ok := cmdutil.Interrupted(ctx); ok {
		if !r.multi && len(failed) == 1 && cmdutil.ExitCode(failed[0]) != 1 {
			return failed[0] // already says what the interrupt left
		}
		return cmdutil.InterruptedError(ctx, "%s", r.summary())
	}
	switch {
	case len(failed) == 0:
		return nil
	case !r.multi:
		return failed[0]
	}
	return fmt.Errorf("%d of %d backups failed (see the errors above)", len(failed), len(r.result.Items))
}

// summary says what an interrupt left: how many backups were reset, and
// how many not reached.
func (r *run) summary() string {
	done, skipped := 0, 0
	for _, it := range r.result.Items {
		switch it.Outcome {
		case reset.OutcomeReset:
			done++
		case reset.OutcomeSkipped:
			skipped++
		}
	}
	return fmt.Sprintf("%d reset, %d not reached of %d backups", done, skipped, len(r.result.Items))
}

func writeLine(w io.Writer, s string) { _, _ = fmt.Fprintln(w, s) }
