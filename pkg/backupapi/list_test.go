package backupapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// List and ListSlim read both groups page by page, one page (or one
// item) in memory at a time, and resume an expired continue token from
// the one the API server offers.
func TestListPagesThroughBothGroups(t *testing.T) {
	t.Run("List", func(t *testing.T) { testListPages(t, false) })
	t.Run("ListSlim", func(t *testing.T) { testListPages(t, true) })
}

func testListPages(t *testing.T, slim bool) {
	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		requests = append(requests, r.URL.Path+"?"+q.Encode())
		group := strings.Split(r.URL.Path, "/")[2]
		item := func(name string) string {
			return `{"apiVersion":"` + group + `/v1alpha1","kind":"Backup","metadata":{"name":"` + name + `","namespace":"tidb","managedFields":[{"manager":"m"}]},` +
				`"spec":{"backupMode":"log","s3":{"bucket":"b"},"backoffRetryPolicy":{"maxRetryTimes":3}},"status":{"phase":"Running","backupSize":12}}`
		}
		w.Header().Set("Content-Type", "application/json")
		switch q.Get("continue") {
		case "":
			_, _ = io.WriteString(w, `{"kind":"BackupList","apiVersion":"`+group+`/v1alpha1","metadata":{"continue":"page2"},"items":[`+item(group+"-1")+`]}`)
		case "page2":
			if group == "br.pingcap.com" { // expired: the server offers where to go on
				w.WriteHeader(http.StatusGone)
				_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"metadata":{"continue":"page2b"}}`)
				return
			}
			fallthrough
		case "page2b":
			_, _ = io.WriteString(w, `{"kind":"BackupList","apiVersion":"`+group+`/v1alpha1","metadata":{},"items":[`+item(group+"-2")+`]}`)
		}
	}))
	defer srv.Close()
	dyn, err := dynamic.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	v1 := API{Group: "pingcap.com", Version: "v1alpha1"}
	v2 := API{Group: "br.pingcap.com", Version: "v1alpha1", StatusSubresource: true}
	var seen []string
	each := func(api API, u *unstructured.Unstructured) error {
		seen = append(seen, u.GetName())
		if n, _, _ := unstructured.NestedInt64(u.Object, "spec", "backoffRetryPolicy", "maxRetryTimes"); n != 3 {
			t.Errorf("%s: maxRetryTimes %v", u.GetName(), u.Object["spec"])
		}
		if _, kept := u.Object["spec"].(map[string]any)["s3"]; kept == slim {
			t.Errorf("%s: spec.s3 kept %v (slim %v)", u.GetName(), kept, slim)
		}
		return nil
	}
	if slim {
		kube, kerr := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
		if kerr != nil {
			t.Fatal(kerr)
		}
		err = ListSlim(context.Background(), kube.Discovery().RESTClient(), []API{v1, v2}, ListOptions{PageSize: 1}, each)
	} else {
		err = List(context.Background(), dyn, []API{v1, v2}, ListOptions{PageSize: 1}, each)
	}
	if err != nil || strings.Join(seen, " ") != "pingcap.com-1 pingcap.com-2 br.pingcap.com-1 br.pingcap.com-2" {
		t.Fatalf("seen %v, %v", seen, err)
	}
	for _, r := range requests {
		if !strings.Contains(r, "limit=1") {
			t.Errorf("a request without the page size: %s", r)
		}
	}
}

// ListWatch lists and watches one API's backups, for informers.
func TestListWatch(t *testing.T) {
	api := API{Group: "br.pingcap.com", Version: "v1alpha1"}
	dyn := fakeDynamic(backupObj("br.pingcap.com", "tidb", "x"))
	lw := ListWatch(dyn, api, "tidb")
	list, err := lw.ListWithContext(context.Background(), metav1.ListOptions{})
	if err != nil || len(list.(*unstructured.UnstructuredList).Items) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	w, err := lw.WatchWithContext(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := dyn.Resource(api.GVR()).Namespace("tidb").Create(context.Background(), backupObj("br.pingcap.com", "tidb", "y"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case ev := <-w.ResultChan():
			if ev.Type == watch.Added && ev.Object.(*unstructured.Unstructured).GetName() == "y" {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the watch did not see the new backup")
		}
	}
}
