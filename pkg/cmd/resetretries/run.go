package resetretries

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
	"github.com/logbackup/kubectl-logbackup/pkg/reset"
)

// item is one backup to handle: named on the command line (ref), or
// already read by --all's listing (found).
type item struct {
	ref   backup.Ref
	found *reset.Found
}

// run is the state of one Run: where text goes, the answers, the results.
type run struct {
	o      *Options
	out    *printer
	prompt *prompter
	apis   []gather.API
	result *Result
	errs   []error
	multi  bool // several backups: each error is printed as it happens
}

// Run previews, asks and resets batch by batch: each named backup is its
// own batch with its own question; --all is one batch with one question.
func (o *Options) Run(ctx context.Context) error {
	// With -o json|yaml, stdout carries only the result; what a person
	// reads (previews, the question) goes to stderr.
	human := o.Out
	if o.Output != "" {
		human = o.ErrOut
	}
	r := &run{o: o, out: &printer{w: human}, prompt: newPrompter(o.In, human),
		result: newResult(o.DryRun), multi: o.All || len(o.refs) > 1}

	// Every API step has its own deadline: the time a person takes to
	// answer must not count against --request-timeout.
	sctx, cancel := o.step(ctx)
	apis, err := gather.DiscoverAPIs(sctx, o.session.Clients.Kube.Discovery().RESTClient(), o.APIGroup)
	cancel()
	if err != nil {
		return cmdutil.ClusterError(err, o.session)
	}
	r.apis = apis

	if o.All {
		sctx, cancel := o.step(ctx)
		found, err := reset.WithRecords(sctx, o.session.Clients.Dynamic, apis, o.namespace)
		cancel()
		if err != nil {
			return cmdutil.ClusterError(err, o.session)
		}
		if len(found) == 0 {
			r.out.f("Nothing to reset: no backup in namespace %s has retry records; no patch was sent.\n", o.namespace)
		}
		batch := make([]item, len(found))
		for i := range found {
			batch[i] = item{ref: backup.Ref{Namespace: o.namespace, Name: found[i].Object.GetName()}, found: &found[i]}
		}
		r.batch(ctx, batch)
	} else {
		for _, ref := range o.refs {
			if ctx.Err() != nil {
				break
			}
			r.batch(ctx, []item{{ref: ref}})
		}
	}
	return r.finish()
}

func (o *Options) step(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, o.session.Timeout)
}

// batch previews every item, then asks once for all that have records.
func (r *run) batch(ctx context.Context, items []item) {
	var plans []*reset.Plan
	var outcomes []*Outcome
	for _, it := range items {
		p, err := r.plan(ctx, it)
		if err != nil {
			r.fail(r.result.add(it.ref, nil), cmdutil.ClusterError(err, r.o.session))
			continue
		}
		out := r.result.add(it.ref, p)
		r.out.preview(p)
		if p.Empty() {
			out.Outcome = OutcomeNothing
			r.out.nothing(p)
			continue
		}
		plans, outcomes = append(plans, p), append(outcomes, out)
	}
	if len(plans) == 0 {
		return
	}
	switch r.o.DryRun {
	case DryRunClient:
		for i, p := range plans {
			r.clientDryRun(p, outcomes[i])
		}
		return
	case DryRunServer:
		for i, p := range plans {
			r.apply(ctx, p, outcomes[i], true)
		}
		return
	}
	if !r.o.Yes {
		r.out.f("\n")
		ok, err := r.prompt.confirm(ctx, question(plans))
		if err != nil {
			if errors.Is(err, context.Canceled) {
				err = errors.New("interrupted before an answer; nothing was changed")
			}
			for _, out := range outcomes {
				r.fail(out, err)
			}
			return
		}
		if !ok {
			for i, p := range plans {
				outcomes[i].Outcome = OutcomeDeclined
				r.out.declined(p)
			}
			return
		}
	}
	for i, p := range plans {
		r.apply(ctx, p, outcomes[i], false)
	}
}

// plan reads one backup and previews its reset.
func (r *run) plan(ctx context.Context, it item) (*reset.Plan, error) {
	ctx, cancel := r.o.step(ctx)
	defer cancel()
	if it.found != nil {
		return reset.NewPlan(ctx, r.o.session.Clients, it.found.API, it.found.Object, r.o.Now())
	}
	obj, api, err := gather.FindBackup(ctx, r.o.session.Clients.Dynamic, r.apis, it.ref)
	if err != nil {
		return nil, err
	}
	return reset.NewPlan(ctx, r.o.session.Clients, api, obj, r.o.Now())
}

// question is the one line the user answers.
func question(plans []*reset.Plan) string {
	if len(plans) == 1 {
		return fmt.Sprintf("Remove %s from %s?", reset.CountRecords(len(plans[0].Records)), plans[0].Target)
	}
	total, each := 0, make([]string, len(plans))
	for i, p := range plans {
		total += len(p.Records)
		each[i] = fmt.Sprintf("%s: %d", p.Target, len(p.Records))
	}
	return fmt.Sprintf("Remove %s from %d backups (%s)?", reset.CountRecords(total), len(plans), strings.Join(each, ", "))
}

func (r *run) clientDryRun(p *reset.Plan, out *Outcome) {
	data, err := json.MarshalIndent(p.Patch(), "", "  ")
	if err != nil {
		r.fail(out, err)
		return
	}
	out.Outcome, out.PatchPath, out.Patch = OutcomeDryRun, p.Path(), p.Patch()
	r.out.clientDryRun(p, string(data))
}

// apply sends the patch (or a server dry run of it), reads the backup
// back and records the audit event.
func (r *run) apply(ctx context.Context, p *reset.Plan, out *Outcome, dryRun bool) {
	ctx, cancel := r.o.step(ctx)
	defer cancel()
	c := r.o.session.Clients
	out.PatchPath, out.Patch = p.Path(), p.Patch()
	answer, err := reset.Apply(ctx, c.Dynamic, p, dryRun)
	if err != nil {
		var changed *reset.ChangedError
		if errors.As(err, &changed) {
			out.Outcome = OutcomeChanged
			r.out.changed(changed)
		}
		r.fail(out, cmdutil.ClusterError(err, r.o.session))
		return
	}
	if dryRun {
		after, err := p.AfterFrom(answer)
		if err != nil {
			r.fail(out, err)
			return
		}
		out.Outcome, out.After = OutcomeDryRun, after
		r.out.serverDryRun(p, after)
		return
	}
	out.Outcome = OutcomeReset
	after, err := reset.ReadBack(ctx, c.Dynamic, p)
	if err != nil {
		// The patch was accepted; only the check is missing.
		out.Warnings = append(out.Warnings, err.Error())
	}
	out.After = after
	r.out.reset(p, after)
	if err != nil {
		r.out.f("  Warning:       %s\n", err)
	}
	if after != nil && after.Untouched {
		r.fail(out, fmt.Errorf("the API server accepted the patch of %s, but reading it back shows the same %s: nothing was removed",
			p.Target, reset.CountRecords(len(p.Records))))
		return
	}
	out.By = reset.WhoAmI(ctx, c.Kube)
	ev, err := reset.RecordEvent(ctx, c.Kube, p, after, out.By, r.o.Now())
	if err != nil {
		w := "the audit event was not recorded (" + err.Error() + "); the reset itself is done"
		out.Warnings = append(out.Warnings, w)
		r.out.f("  Warning:       %s.\n\n", w)
		return
	}
	out.Event = ev.Name
	r.out.event(ev.Namespace, ev.Name, out.By)
}

// fail records a backup's error. With several backups each error is
// printed when it happens and the exit status sums them up at the end.
func (r *run) fail(out *Outcome, err error) {
	if out.Outcome == "" || out.Outcome == OutcomeReset {
		out.Outcome = OutcomeFailed
	}
	out.Error = err.Error()
	r.errs = append(r.errs, err)
	if r.multi {
		writeLine(r.o.ErrOut, cmdutil.OneLine(err))
	}
}

// finish prints the structured result and decides the exit status.
func (r *run) finish() error {
	if r.out.err != nil {
		return r.out.err
	}
	if r.o.Output != "" {
		if err := r.result.print(r.o.Out, r.o.Output); err != nil {
			return err
		}
	}
	switch {
	case len(r.errs) == 0:
		return nil
	case !r.multi:
		return r.errs[0]
	}
	return fmt.Errorf("%d of %d backups failed (see the errors above)", len(r.errs), len(r.result.Items))
}

func writeLine(w io.Writer, s string) { _, _ = fmt.Fprintln(w, s) }
