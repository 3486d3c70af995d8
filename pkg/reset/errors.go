package reset

import (
	"fmt"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
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
	// Rewritten: written since the preview (its resourceVersion moved),
	// which refuses a patch guarded by the resourceVersion.
	Rewritten bool
	// PhaseShown and PhaseNow differ when the phase moved (e.g. to Failed).
	PhaseShown, PhaseNow string
}

func (e *ChangedError) Error() string {
	what := fmt.Sprintf("it now has %d retry records, the preview showed %d", len(e.Now), e.Shown)
	switch {
	case len(e.Now) == e.Shown && e.Rewritten:
		what = "it was written since the preview (its retry records hold a null, so any change refuses the patch)"
	case len(e.Now) == e.Shown:
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
