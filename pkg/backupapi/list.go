package backupapi

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// DefaultPageSize is how many backups one list request returns: large
// enough that a normal cluster needs one request, small enough that a huge
// one never holds more than a page in memory.
const DefaultPageSize = 500

// ListOptions select what List reads.
type ListOptions struct {
	Namespace string // "" = all namespaces
	PageSize  int64  // 0 = DefaultPageSize
	Selector  string // label selector
}

// List reads the backups of every given API, page by page (limit and
// continue), and hands each one to each as it arrives, so the caller can
// reduce a page to what it keeps before the next page is read. A page
// whose continue token expired (410) is resumed from the token the server
// offers with the error, as kubectl does; without one the list fails. The
// error names the group and namespace of the failed request.
func List(ctx context.Context, dyn dynamic.Interface, apis []API, o ListOptions, each func(API, *unstructured.Unstructured) error) error {
	size := o.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	for _, api := range apis {
		res := dyn.Resource(api.GVR()).Namespace(o.Namespace)
		opts := metav1.ListOptions{Limit: size, LabelSelector: o.Selector}
		for {
			page, err := res.List(ctx, opts)
			if apierrors.IsResourceExpired(err) && opts.Continue != "" {
				if next := inconsistentContinue(err); next != "" {
					opts.Continue = next
					continue
				}
				return fmt.Errorf("the list of backups (API group %s) changed too much while it was being read page by page; run the command again: %w", api.Group, err)
			}
			if err != nil {
				return Access(err, "list", api.Group, backup.Resource, "", o.Namespace)
			}
			for i := range page.Items {
				if err := each(api, &page.Items[i]); err != nil {
					return err
				}
			}
			if opts.Continue = page.GetContinue(); opts.Continue == "" {
				break
			}
		}
	}
	return nil
}

// inconsistentContinue is the token the API server puts in a 410 answer
// to let a paged list go on from where it stopped.
func inconsistentContinue(err error) string {
	if s, ok := err.(apierrors.APIStatus); ok {
		return s.Status().ListMeta.Continue
	}
	return ""
}
