package reset

import (
	"context"
	"fmt"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// ChangedError: the backup is no longer what the preview showed, so the
// patch's test failed and nothing was removed.
type ChangedError struct {
	Target backup.Ref
	Shown  int
	// Now is what the backup holds at the moment of the refusal.
	Now       []backup.RetryRecord
	Recreated bool // deleted and created again under the same name
	// PhaseShown and PhaseNow differ when the phase moved (e.g. to Failed).
	PhaseShown, PhaseNow string
}

func (e *ChangedError) Error() string {
	what := fmt.Sprintf("it now has %d retry records, the preview showed %d", len(e.Now), e.Shown)
	if len(e.Now) == e.Shown {
		what = fmt.Sprintf("its %d retry records were rewritten (a retry may have started)", e.Shown)
	}
	if e.PhaseNow != e.PhaseShown {
		what = fmt.Sprintf("its phase is now %s, the preview showed %s", text.Dash(e.PhaseNow), text.Dash(e.PhaseShown))
		if e.PhaseNow == backup.PhaseFailed {
			what += " (the controller skips Failed backups: recreate it once the cause is fixed)"
		}
	}
	if e.Recreated {
		what = "it was deleted and created again"
	}
	return fmt.Sprintf("backup %s changed since the preview: %s; nothing was changed. Run the command again to preview it as it is now", e.Target, what)
}

// GoneError: the backup was deleted after the preview.
type GoneError struct{ Target backup.Ref }

func (e *GoneError) Error() string {
	return fmt.Sprintf("backup %s was deleted after the preview; nothing was changed", e.Target)
}

// Apply sends the plan's patch to the status subresource or the main
// resource. With dryRun the server runs every check (RBAC, the tests,
// admission) and stores nothing. The answer is the backup as the server
// would store it.
func Apply(ctx context.Context, dyn dynamic.Interface, p *Plan, dryRun bool) (*unstructured.Unstructured, error) {
	data, err := p.PatchJSON()
	if err != nil {
		return nil, err
	}
	opts := metav1.PatchOptions{}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	res := dyn.Resource(p.api().GVR()).Namespace(p.Target.Namespace)
	out, err := res.Patch(ctx, p.Target.Name, types.JSONPatchType, data, opts, p.subresource()...)
	if err == nil {
		return out, nil
	}
	return nil, patchError(ctx, res, p, err)
}

// patchError explains a refused patch. Whatever the status code, a refusal
// after which the records differ from the preview is a failed test.
func patchError(ctx context.Context, res dynamic.ResourceInterface, p *Plan, err error) error {
	switch {
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s; nothing was changed", gather.AccessError(err, "patch", p.Group, backup.Resource, firstOr(p.subresource(), ""), p.Target.Namespace))
	case apierrors.IsNotFound(err):
		return &GoneError{Target: p.Target}
	}
	now, getErr := res.Get(ctx, p.Target.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(getErr) {
		return &GoneError{Target: p.Target}
	}
	if getErr == nil {
		recreated := string(now.GetUID()) != p.UID
		phase, _, _ := unstructured.NestedString(now.Object, "status", "phase")
		if recreated || phase != p.Phase || !reflect.DeepEqual(storedRecords(now), p.stored) {
			b, convErr := backup.FromUnstructured(now)
			if convErr != nil {
				return convErr
			}
			return &ChangedError{Target: p.Target, Shown: len(p.Records), Now: b.Records, Recreated: recreated,
				PhaseShown: p.Phase, PhaseNow: phase}
		}
	}
	return fmt.Errorf("the API server refused the patch of %s: %w; nothing was changed", p.Path(), err)
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
		Untouched: len(stored) > 0 && reflect.DeepEqual(stored, p.stored)}
	if a.Records == nil {
		a.Records = []backup.RetryRecord{}
	}
	return a, nil
}

// ReadBack gets the backup again after the patch, from the main resource,
// which carries the status in both groups.
func ReadBack(ctx context.Context, dyn dynamic.Interface, p *Plan) (*After, error) {
	u, err := dyn.Resource(p.api().GVR()).Namespace(p.Target.Namespace).Get(ctx, p.Target.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading %s back after the reset: %w", p.Target, err)
	}
	return p.AfterFrom(u)
}

func (p *Plan) api() gather.API {
	return gather.API{Group: p.Group, Version: p.Version, StatusSubresource: p.StatusSubresource}
}

func firstOr(s []string, dflt string) string {
	if len(s) == 0 {
		return dflt
	}
	return s[0]
}
