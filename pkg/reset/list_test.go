package reset

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

func TestWithRecordsListsBothGroupsInOrder(t *testing.T) {
	named := func(api backupapi.API, name string, n int) runtime.Object {
		o := backupObj(api, "RetryFailed", n)
		o.SetName(name)
		return o
	}
	dyn := fakeDynamic(named(v2API, "a", 1), named(v1API, "z", 2), named(v1API, "m", 1), named(v1API, "clean", 0))
	found, err := WithRecords(context.Background(), dyn, []backupapi.API{v1API, v2API}, "ns")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		got = append(got, f.API.Group+"/"+f.Object.GetName())
	}
	if strings.Join(got, " ") != "br.pingcap.com/a pingcap.com/m pingcap.com/z" {
		t.Errorf("found %v", got)
	}
	dyn.PrependReactor("list", "backups", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "pingcap.com", Resource: "backups"}, "", nil)
	})
	if _, err := WithRecords(context.Background(), dyn, []backupapi.API{v1API}, "ns"); err == nil ||
		!strings.Contains(err.Error(), "missing permission to list backups (API group pingcap.com) in namespace ns") {
		t.Errorf("forbidden list: %v", err)
	}
}
