package backupapi

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
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

// SlimListWatch is ListWatch whose lists are decoded as they stream in,
// one backup at a time, into what Slim keeps (ListSlim's decoder): an
// informer's first list of 10,000 backups never holds the whole objects,
// which would otherwise be its peak memory. Watch events come one object
// at a time and are slimmed by the informer's transform. rc is a REST
// client at the API server's root (the discovery client's), from the same
// configuration as dyn.
func SlimListWatch(rc rest.Interface, dyn dynamic.Interface, api API, namespace string) *cache.ListWatch {
	lw := ListWatch(dyn, api, namespace)
	lw.ListWithContextFunc = func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return listSlimPage(ctx, rc, api, namespace, o)
	}
	return lw
}

// listSlimPage is one list request with the reflector's options (limit,
// continue, resourceVersion and its match), decoded slim.
func listSlimPage(ctx context.Context, rc rest.Interface, api API, namespace string, o metav1.ListOptions) (*unstructured.UnstructuredList, error) {
	path := []string{"/apis", api.Group, api.Version}
	if namespace != "" {
		path = append(path, "namespaces", namespace)
	}
	path = append(path, backup.Resource)
	body, err := rc.Get().AbsPath(path...).VersionedParams(&o, metav1.ParameterCodec).Stream(ctx)
	if err != nil {
		return nil, err // the reflector judges it (a 410 lists again)
	}
	defer body.Close()
	list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": api.Group + "/" + api.Version, "kind": "BackupList"}}
	meta, err := decodePage(body, func(u *unstructured.Unstructured) error {
		list.Items = append(list.Items, *u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	list.SetResourceVersion(meta.ResourceVersion)
	list.SetContinue(meta.Continue)
	if meta.RemainingItemCount != nil {
		list.SetRemainingItemCount(meta.RemainingItemCount)
	}
	return list, nil
}
