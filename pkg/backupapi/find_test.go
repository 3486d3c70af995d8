package backupapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// discoveryServer serves the group-version documents of the given groups;
// status lists the groups with a status subresource.
func discoveryServer(t *testing.T, groups []string, status map[string]bool) rest.Interface {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, g := range groups {
			if r.URL.Path == "/apis/"+g+"/v1alpha1" {
				res := `{"name":"backups","namespaced":true,"kind":"Backup","verbs":["get","list"]}`
				if status[g] {
					res += `,{"name":"backups/status","namespaced":true,"kind":"Backup","verbs":["get","patch"]}`
				}
				_, _ = w.Write([]byte(`{"kind":"APIResourceList","groupVersion":"` + g + `/v1alpha1","resources":[` + res + `]}`))
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := rest.RESTClientFor(&rest.Config{Host: srv.URL, ContentConfig: rest.ContentConfig{
		NegotiatedSerializer: scheme.Codecs.WithoutConversion(), GroupVersion: &schema.GroupVersion{}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDiscover(t *testing.T) {
	ctx := context.Background()
	apis, err := Discover(ctx, discoveryServer(t, []string{"pingcap.com", "br.pingcap.com"}, map[string]bool{"br.pingcap.com": true}), "")
	if err != nil || len(apis) != 2 {
		t.Fatalf("both groups: %v %v", apis, err)
	}
	if apis[0].Group != "pingcap.com" || apis[0].StatusSubresource || apis[1].Group != "br.pingcap.com" || !apis[1].StatusSubresource {
		t.Errorf("got %+v", apis)
	}
	if _, err := Discover(ctx, discoveryServer(t, nil, nil), ""); !errors.Is(err, ErrNoBackupAPI) {
		t.Errorf("no groups: err = %v", err)
	}
	_, err = Discover(ctx, discoveryServer(t, []string{"pingcap.com"}, nil), "br.pingcap.com")
	if err == nil || !strings.Contains(err.Error(), "does not serve backups in API group br.pingcap.com") {
		t.Errorf("--api-group of an absent group: err = %v", err)
	}
}

func backupObj(group, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": group + "/v1alpha1", "kind": "Backup",
		"metadata": map[string]any{"name": name, "namespace": ns, "uid": group + "-" + name},
	}}
	return u
}

func fakeDynamic(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	kinds := map[schema.GroupVersionResource]string{
		{Group: "pingcap.com", Version: "v1alpha1", Resource: "backups"}:    "BackupList",
		{Group: "br.pingcap.com", Version: "v1alpha1", Resource: "backups"}: "BackupList",
	}
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), kinds, objs...)
}

func TestFindBackup(t *testing.T) {
	ctx := context.Background()
	both := []API{{Group: "pingcap.com", Version: "v1alpha1"}, {Group: "br.pingcap.com", Version: "v1alpha1", StatusSubresource: true}}
	ref := backup.Ref{Namespace: "tidb", Name: "x"}

	f, err := Find(ctx, fakeDynamic(backupObj("br.pingcap.com", "tidb", "x")), both, ref)
	if err != nil || f.API.Group != "br.pingcap.com" || f.Object.GetName() != "x" {
		t.Errorf("v2 only: %v %v", f.API, err)
	}
	_, err = Find(ctx, fakeDynamic(backupObj("br.pingcap.com", "tidb", "x"), backupObj("pingcap.com", "tidb", "x")), both, ref)
	var amb *AmbiguousError
	if !errors.As(err, &amb) {
		t.Errorf("in both: err = %v", err)
	}
	_, err = Find(ctx, fakeDynamic(), both, ref)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "kubectl get backups.pingcap.com,backups.br.pingcap.com -n tidb") {
		t.Errorf("nowhere: err = %v", err)
	}

	// Forbidden in one group, present in the other: the other wins.
	dyn := fakeDynamic(backupObj("pingcap.com", "tidb", "x"))
	dyn.PrependReactor("get", "backups", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetResource().Group == "br.pingcap.com" {
			return true, nil, apierrors.NewForbidden(a.GetResource().GroupResource(), "x", errors.New("no"))
		}
		return false, nil, nil
	})
	if f, err := Find(ctx, dyn, both, ref); err != nil || f.API.Group != "pingcap.com" {
		t.Errorf("forbidden v2, present v1: %v %v", f.API, err)
	}
	// Forbidden and absent: the permission is the error.
	dyn = fakeDynamic()
	dyn.PrependReactor("get", "backups", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(a.GetResource().GroupResource(), "x", errors.New("no"))
	})
	_, err = Find(ctx, dyn, both, ref)
	if err == nil || !strings.Contains(err.Error(), "missing permission to get backups (API group pingcap.com and br.pingcap.com) in namespace tidb") {
		t.Errorf("forbidden everywhere: err = %v", err)
	}
}

// A 403 from admission is not a missing permission: its message says why.
func TestAccessErrorTellsRBACFromAdmission(t *testing.T) {
	gr := schema.GroupResource{Group: "br.pingcap.com", Resource: "backups"}
	rbac := Access(apierrors.NewForbidden(gr, "x", errors.New(`User "u" cannot patch resource "backups/status" in API group "br.pingcap.com"`)), "patch", "br.pingcap.com", "backups", "status", "tidb")
	if got := rbac.Error(); got != "forbidden: missing permission to patch backups/status (API group br.pingcap.com) in namespace tidb" {
		t.Errorf("RBAC: %s", got)
	}
	vap := Access(apierrors.NewForbidden(gr, "x", errors.New(`ValidatingAdmissionPolicy 'freeze' with binding 'b' denied request: change freeze until Monday`)), "patch", "br.pingcap.com", "backups", "status", "tidb")
	if got := vap.Error(); !strings.Contains(got, "not by RBAC") || !strings.Contains(got, "change freeze until Monday") {
		t.Errorf("admission: %s", got)
	}
}
