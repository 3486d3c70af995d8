package backupapi

import (
	"context"
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// refuse makes the fake answer every GET of backups in group with err.
func refuse(dyn interface {
	PrependReactor(string, string, k8stesting.ReactionFunc)
}, group string, err error) {
	dyn.PrependReactor("get", "backups", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetResource().Group == group {
			return true, nil, err
		}
		return false, nil, nil
	})
}

func TestDiscoverAndFind(t *testing.T) {
	ctx := context.Background()
	ref := backup.Ref{Namespace: "tidb", Name: "x"}
	v2Only := discoveryServer(t, []string{"br.pingcap.com"}, map[string]bool{"br.pingcap.com": true})

	f, apis, err := DiscoverAndFind(ctx, v2Only, fakeDynamic(backupObj("br.pingcap.com", "tidb", "x")), "", ref)
	if err != nil || f.API.Group != "br.pingcap.com" || !f.API.StatusSubresource || len(apis) != 1 {
		t.Errorf("served v2: %+v %v %v", f.API, apis, err)
	}

	// An object of an unserved group (left in a fake, or a stale cache)
	// is not the backup.
	_, _, err = DiscoverAndFind(ctx, v2Only, fakeDynamic(backupObj("pingcap.com", "tidb", "x")), "", ref)
	var nf *NotFoundError
	if !errors.As(err, &nf) || strings.Contains(err.Error(), "backups.pingcap.com") {
		t.Errorf("only in the unserved group: err = %v", err)
	}

	// A 403 or a 500 from the unserved group says nothing about the backup.
	for _, cause := range []error{
		apierrors.NewForbidden(backupGR("pingcap.com"), "x", errors.New("no")),
		apierrors.NewInternalError(errors.New("boom")),
	} {
		dyn := fakeDynamic()
		refuse(dyn, "pingcap.com", cause)
		_, _, err = DiscoverAndFind(ctx, v2Only, dyn, "", ref)
		if !errors.As(err, &nf) {
			t.Errorf("absent, unserved group says %v: err = %v", cause, err)
		}
	}

	// The same refusals from a served group are the answer.
	dyn := fakeDynamic()
	refuse(dyn, "br.pingcap.com", apierrors.NewForbidden(backupGR("br.pingcap.com"), "x", errors.New("no")))
	_, _, err = DiscoverAndFind(ctx, v2Only, dyn, "", ref)
	if err == nil || !strings.Contains(err.Error(), "missing permission to get backups (API group br.pingcap.com)") {
		t.Errorf("forbidden in the served group: err = %v", err)
	}
	dyn = fakeDynamic()
	refuse(dyn, "br.pingcap.com", apierrors.NewInternalError(errors.New("boom")))
	if _, _, err = DiscoverAndFind(ctx, v2Only, dyn, "", ref); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("broken served group: err = %v", err)
	}

	// Discovery's errors come first; --api-group limits both.
	if _, _, err = DiscoverAndFind(ctx, discoveryServer(t, nil, nil), fakeDynamic(backupObj("pingcap.com", "tidb", "x")), "", ref); !errors.Is(err, ErrNoBackupAPI) {
		t.Errorf("no Backup API: err = %v", err)
	}
	both := discoveryServer(t, []string{"pingcap.com", "br.pingcap.com"}, nil)
	twice := fakeDynamic(backupObj("pingcap.com", "tidb", "x"), backupObj("br.pingcap.com", "tidb", "x"))
	var amb *AmbiguousError
	if _, _, err = DiscoverAndFind(ctx, both, twice, "", ref); !errors.As(err, &amb) {
		t.Errorf("in both groups: err = %v", err)
	}
	if f, _, err = DiscoverAndFind(ctx, both, twice, "pingcap.com", ref); err != nil || f.API.Group != "pingcap.com" {
		t.Errorf("--api-group pingcap.com: %+v %v", f.API, err)
	}
}

func backupGR(group string) schema.GroupResource {
	return schema.GroupResource{Group: group, Resource: backup.Resource}
}
