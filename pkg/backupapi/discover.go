package backupapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// Discover asks the API server which of the Backup groups it serves; only
// limits the search to one group (--api-group). It reads the two
// group-version documents directly instead of the whole discovery tree:
// two small requests, and both honour the context's deadline.
func Discover(ctx context.Context, disc rest.Interface, only string) ([]API, error) {
	groups := KnownGroups()
	if only != "" {
		groups = []string{only}
	}
	found := make([]*API, len(groups))
	g, ctx := errgroup.WithContext(ctx)
	for i, group := range groups {
		g.Go(func() error {
			raw, err := disc.Get().AbsPath("/apis", group, backup.Version).Do(ctx).Raw()
			if apierrors.IsNotFound(err) {
				return nil
			}
			if apierrors.IsForbidden(err) {
				// Discovery is open to every authenticated user: a refusal
				// means the credentials were not taken (an anonymous user).
				return fmt.Errorf("forbidden: missing permission to read the API discovery document /apis/%s/%s; check the kubeconfig's credentials (a request the API server did not authenticate runs as system:anonymous)", group, backup.Version)
			}
			if err != nil {
				return err
			}
			var list metav1.APIResourceList
			if err := json.Unmarshal(raw, &list); err != nil {
				return fmt.Errorf("reading discovery of %s/%s: %w", group, backup.Version, err)
			}
			api := API{Group: group, Version: backup.Version}
			served := false
			for _, r := range list.APIResources {
				switch r.Name {
				case backup.Resource:
					served = true
				case backup.Resource + "/status":
					api.StatusSubresource = true
				}
			}
			if served {
				found[i] = &api
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var apis []API
	for _, a := range found {
		if a != nil {
			apis = append(apis, *a)
		}
	}
	if len(apis) == 0 {
		if only != "" {
			return nil, fmt.Errorf("the cluster does not serve backups in API group %s/%s; drop --api-group or pick one of: %s", only, backup.Version, strings.Join(KnownGroups(), ", "))
		}
		return nil, ErrNoBackupAPI
	}
	return apis, nil
}
