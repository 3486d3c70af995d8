package backupapi

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"
)

// ListWatch is the list-and-watch of one API's backups for informers and
// client-go's watch tools, which handle an expired resourceVersion (410)
// by listing again. dyn must come from a configuration without a
// client-wide timeout (cmdutil.Session.StreamClients), or the watch is cut.
func ListWatch(dyn dynamic.Interface, api API, namespace string) *cache.ListWatch {
	res := dyn.Resource(api.GVR()).Namespace(namespace)
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return res.List(ctx, o) // the reflector pages it
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			return res.Watch(ctx, o)
		},
	}
}
