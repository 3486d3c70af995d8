package reset

import (
	"context"
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
)

// Found is one backup of a namespace listing, with the API serving it.
type Found struct {
	API    gather.API
	Object *unstructured.Unstructured
}

// WithRecords lists the backups of one namespace, in every served group,
// that hold retry records; --all previews each of them. Sorted by name,
// then group, so the question lists them in a stable order.
func WithRecords(ctx context.Context, dyn dynamic.Interface, apis []gather.API, ns string) ([]Found, error) {
	var out []Found
	for _, api := range apis {
		list, err := dyn.Resource(api.GVR()).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("%s", gather.AccessError(err, "list", api.Group, backup.Resource, "", ns))
		}
		for i := range list.Items {
			if len(storedRecords(&list.Items[i])) > 0 {
				out = append(out, Found{API: api, Object: &list.Items[i]})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := out[i].Object.GetName(), out[j].Object.GetName(); a != b {
			return a < b
		}
		return out[i].API.Group < out[j].API.Group
	})
	return out, nil
}
