package reset

import (
	"context"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// WithRecords lists the backups of one namespace, in every served group,
// that hold retry records; --all previews each of them. The list is read
// page by page and only backups with records are kept. Sorted by name,
// then group, so the question lists them in a stable order.
func WithRecords(ctx context.Context, dyn dynamic.Interface, apis []backupapi.API, ns string) ([]backupapi.Found, error) {
	var out []backupapi.Found
	err := backupapi.List(ctx, dyn, apis, backupapi.ListOptions{Namespace: ns}, func(api backupapi.API, u *unstructured.Unstructured) error {
		if hasRecords(storedRecords(u)) {
			out = append(out, backupapi.Found{API: api, Object: u.DeepCopy()})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := out[i].Object.GetName(), out[j].Object.GetName(); a != b {
			return a < b
		}
		return out[i].API.Group < out[j].API.Group
	})
	return out, nil
}
