package reset

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Options of one reset.
type Options struct {
	// DryRun sends the patch with dryRun=All: the API server runs every
	// check (RBAC, the tests, admission) and stores nothing.
	DryRun bool
	// Timeout bounds each step: the patch, the read-back, the audit event.
	Timeout time.Duration
	Now     func() time.Time
}

// Do is the whole safe reset of one previewed backup: the guarded patch,
// the classification of a refusal, the read-back and the audit event.
//
// A patch once sent is seen through: an interrupt (ctx cancelled) no
// longer cancels it, only its own deadline does. When its answer is lost
// (the deadline, a dropped connection, a proxy's 5xx), the backup is read
// back to tell whether the reset was done, not done, or cannot be known,
// and a reset that was done is audited like any other.
func Do(ctx context.Context, c backupapi.Clients, p *Plan, o Options) *Outcome {
	out := &Outcome{Target: p.Target, Preview: p, PatchPath: p.Path(), Patch: p.Patch()}
	if p.Empty() {
		out.Outcome, out.Patch, out.PatchPath = OutcomeNothing, nil, ""
		return out
	}
	if ctx.Err() != nil {
		out.Outcome = OutcomeSkipped
		return out.fail(fmt.Errorf("interrupted before the patch of %s was sent; nothing was changed", p.Target))
	}
	sent := context.WithoutCancel(ctx)
	step := func() (context.Context, context.CancelFunc) { return context.WithTimeout(sent, o.Timeout) }

	pctx, cancel := step()
	answer, err := patch(pctx, c.Dynamic, p, o.DryRun)
	cancel()
	switch {
	case err == nil && o.DryRun:
		after, err := p.AfterFrom(answer)
		if err != nil {
			return out.fail(err)
		}
		out.Outcome, out.After = OutcomeDryRun, after
		return out
	case err == nil:
		out.Outcome = OutcomeReset
	case apierrors.IsForbidden(err) && fromAPIServer(err):
		return out.fail(fmt.Errorf("%w; nothing was changed", backupapi.Access(err, "patch", p.Group, backup.Resource, firstOr(p.subresource(), ""), p.Target.Namespace)))
	case apierrors.IsNotFound(err) && fromAPIServer(err):
		return out.fail(&GoneError{Target: p.Target})
	case o.DryRun:
		return out.fail(fmt.Errorf("the dry run of %s failed: %s; nothing was changed", p.Path(), text.Redact(err.Error())))
	default:
		// A failed test, a webhook's refusal, a proxy's 408 or 5xx, a lost
		// connection: only the backup itself tells whether the patch was
		// applied.
		if !judge(ctx, c.Dynamic, p, out, err, step) {
			return out
		}
		out.Outcome = OutcomeReset
	}

	if out.After == nil {
		rctx, cancel := step()
		after, rerr := readBack(rctx, c.Dynamic, p)
		cancel()
		if rerr != nil {
			// The patch was accepted; only the check is missing.
			out.Warnings = append(out.Warnings, text.Redact(rerr.Error()))
		}
		out.After = after
	}
	if out.After != nil && out.After.Untouched {
		return out.fail(fmt.Errorf("the API server accepted the patch of %s, but reading it back shows the same %s: nothing was removed",
			p.Target, p.What()))
	}
	ectx, cancel := step()
	defer cancel()
	out.By = WhoAmI(ectx, c.Kube)
	ev, err := RecordEvent(ectx, c.Kube, p, out.After, out.By, o.Now())
	if err != nil {
		out.Warnings = append(out.Warnings, "the audit event was not recorded ("+text.Redact(err.Error())+"); the reset itself is done")
		return out
	}
	out.Event = ev.Namespace + "/" + ev.Name
	return out
}

// patch sends the plan's patch to the status subresource or the main
// resource; the answer is the backup as the server stored it (or, in a
// dry run, would have).
func patch(ctx context.Context, dyn dynamic.Interface, p *Plan, dryRun bool) (*unstructured.Unstructured, error) {
	data, err := p.PatchJSON()
	if err != nil {
		return nil, err
	}
	opts := metav1.PatchOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return dyn.Resource(p.api().GVR()).Namespace(p.Target.Namespace).Patch(ctx, p.Target.Name, types.JSONPatchType, data, opts, p.subresource()...)
}

// fromAPIServer: the error is the API server's own answer (a Status
// object), not a proxy's or a load balancer's page, which client-go wraps
// as an "unexpected server response".
func fromAPIServer(err error) bool {
	var st apierrors.APIStatus
	if !errors.As(err, &st) || st.Status().Code >= 500 {
		return false
	}
	if d := st.Status().Details; d != nil {
		for _, c := range d.Causes {
			if c.Type == metav1.CauseTypeUnexpectedServerResponse {
				return false
			}
		}
	}
	return st.Status().Code != 408 && st.Status().Code != 429 // may come after the write went through
}

// judge reads the backup back after a patch that did not plainly succeed
// and fills out. It returns true when the reset was done, so the caller
// goes on to the audit event.
func judge(ctx context.Context, dyn dynamic.Interface, p *Plan, out *Outcome, err error, step func() (context.Context, context.CancelFunc)) bool {
	answered := fromAPIServer(err)
	var st apierrors.APIStatus
	why := "no answer to the patch"
	switch {
	case answered:
		why = "the API server refused the patch"
	case errors.As(err, &st):
		why = "an answer to the patch that says nothing of whether it was applied"
	case ctx.Err() != nil:
		why = "interrupted while the patch was on its way, and no answer came"
	}
	why = fmt.Sprintf("%s (%s)", why, text.Redact(err.Error()))
	rctx, cancel := step()
	defer cancel()
	u, rerr := dyn.Resource(p.api().GVR()).Namespace(p.Target.Namespace).Get(rctx, p.Target.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(rerr) {
		out.fail(&GoneError{Target: p.Target})
		return false
	}
	if rerr != nil {
		out.Outcome = OutcomeUnknown
		out.fail(fmt.Errorf("%s, and reading %s back failed too (%s): the reset may or may not have been applied; check with: kubectl logbackup investigate %s",
			why, p.Target, text.Redact(rerr.Error()), p.Target))
		return false
	}
	after, aerr := p.AfterFrom(u)
	if aerr != nil {
		out.Outcome = OutcomeUnknown
		out.fail(fmt.Errorf("%s; reading %s back: %w", why, p.Target, aerr))
		return false
	}
	out.After = after
	if answered {
		// The API server's own answer is final (writes are never resent:
		// cmdutil drops Retry-After from their answers), so records gone
		// now were removed by someone else.
		if changed := p.changedIn(u); changed != nil {
			out.Outcome, out.Changed = OutcomeChanged, changed
			out.fail(changed)
			return false
		}
		out.fail(fmt.Errorf("the API server refused the patch of %s: %s; nothing was changed", p.Path(), text.Redact(err.Error())))
		return false
	}
	switch p.fateOf(u) {
	case fateDone:
		out.Note = why + "; reading the backup back shows the previewed records are gone: the reset was done"
		return true
	case fateNotDone:
		if changed := p.changedIn(u); changed != nil {
			// The patch's test refused it: the backup changed since.
			out.Outcome, out.Changed = OutcomeChanged, changed
			out.fail(changed)
			return false
		}
		// The request may still be on its way to the API server (a proxy
		// holding it): the records being there proves nothing yet.
		out.Outcome = OutcomeUnknown
		out.fail(fmt.Errorf("%s; reading %s back shows its previewed %s still there, so the reset has not been applied so far, but the request may still reach the API server. Check with: kubectl logbackup investigate %s; running the command again is safe (its patch cannot remove records you have not seen)",
			why, p.Target, p.What(), p.Target))
	default:
		out.Outcome = OutcomeUnknown
		out.fail(fmt.Errorf("%s; reading %s back shows only some of the previewed records: whether the reset was applied cannot be told; check with: kubectl logbackup investigate %s",
			why, p.Target, p.Target))
	}
	return false
}

// fate of a patch whose answer was lost, judged from the backup read back.
type fate int

const (
	fateUnknown fate = iota
	fateDone
	fateNotDone
)

// fateOf compares the records read back with the previewed ones by their
// identity (retryNum and detectFailedAt): the patch removes all of them at
// once or none (its tests make it atomic), and records the controller
// writes after a reset are new ones.
func (p *Plan) fateOf(u *unstructured.Unstructured) fate {
	if string(u.GetUID()) != p.UID {
		return fateNotDone // another object: the patch's UID test refused it
	}
	now := storedRecords(u)
	shownList, isList := p.stored.([]any)
	if !isList { // a malformed value: gone or still there
		if reflect.DeepEqual(now, p.stored) {
			return fateNotDone
		}
		if _, nowList := now.([]any); now == nil || nowList {
			return fateDone
		}
		return fateUnknown
	}
	nowList, _ := now.([]any)
	left := 0
	for _, shown := range shownList {
		for _, r := range nowList {
			if sameRecord(shown, r) {
				left++
				break
			}
		}
	}
	switch left {
	case 0:
		return fateDone
	case len(shownList):
		return fateNotDone
	}
	return fateUnknown
}

func sameRecord(a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return reflect.DeepEqual(a, b)
	}
	return reflect.DeepEqual(am["retryNum"], bm["retryNum"]) && reflect.DeepEqual(am["detectFailedAt"], bm["detectFailedAt"])
}

// After is the backup after the patch: as read back, or as the server
// answered a dry run.
type After struct {
	ResourceVersion string               `json:"resourceVersion,omitempty"`
	Phase           string               `json:"phase"`
	Records         []backup.RetryRecord `json:"records"`
	// Untouched: the previewed records are all still there, which is what
	// a status change sent to the main resource of a group with a status
	// subresource looks like.
	Untouched bool `json:"untouched,omitempty"`
}

// AfterFrom reads a backup object as the state after the patch.
func (p *Plan) AfterFrom(u *unstructured.Unstructured) (*After, error) {
	b, err := backup.FromUnstructured(u)
	if err != nil {
		return nil, err
	}
	stored := storedRecords(u)
	a := &After{ResourceVersion: b.ResourceVersion, Phase: b.Phase, Records: b.Records,
		Untouched: hasRecords(stored) && reflect.DeepEqual(stored, p.stored)}
	if a.Records == nil {
		a.Records = []backup.RetryRecord{}
	}
	return a, nil
}

// readBack gets the backup again after the patch, from the main resource,
// which carries the status in both groups.
func readBack(ctx context.Context, dyn dynamic.Interface, p *Plan) (*After, error) {
	u, err := dyn.Resource(p.api().GVR()).Namespace(p.Target.Namespace).Get(ctx, p.Target.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading %s back after the reset: %w", p.Target, err)
	}
	return p.AfterFrom(u)
}

func (p *Plan) api() backupapi.API {
	return backupapi.API{Group: p.Group, Version: p.Version, StatusSubresource: p.StatusSubresource}
}

func nestedString(u *unstructured.Unstructured, field string) (string, bool) {
	status, _ := u.Object["status"].(map[string]any)
	s, ok := status[field].(string)
	return s, ok
}

func firstOr(s []string, dflt string) string {
	if len(s) == 0 {
		return dflt
	}
	return s[0]
}

// changedIn tells how the backup differs from its preview in what the
// patch tests (UID, phase, records), or nil when it does not.
func (p *Plan) changedIn(now *unstructured.Unstructured) *ChangedError {
	recreated := string(now.GetUID()) != p.UID
	phase, _ := nestedString(now, "phase")
	// With the resourceVersion as the guard (records holding a null), any
	// write since the preview refused the patch.
	rewritten := nullInList(p.stored) && now.GetResourceVersion() != p.ResourceVersion
	if !recreated && !rewritten && phase == p.Phase && reflect.DeepEqual(storedRecords(now), p.stored) {
		return nil
	}
	b, err := backup.FromUnstructured(now)
	if err != nil {
		b = &backup.Backup{} // not a Backup any more: say it was recreated
		recreated = true
	}
	return &ChangedError{Target: p.Target, Shown: len(p.Records), Now: b.Records, Recreated: recreated,
		Rewritten: rewritten, PhaseShown: p.Phase, PhaseNow: phase}
}
