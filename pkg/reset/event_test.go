package reset

import (
	"context"
	"errors"
	"strings"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestWhoAmI(t *testing.T) {
	kube := fake.NewClientset()
	kube.PrependReactor("create", "selfsubjectreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		r := &authnv1.SelfSubjectReview{}
		r.Status.UserInfo.Username = "alice"
		return true, r, nil
	})
	if got := WhoAmI(context.Background(), kube); got != "alice" {
		t.Errorf("WhoAmI = %q", got)
	}
	denied := fake.NewClientset()
	denied.PrependReactor("create", "selfsubjectreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("forbidden")
	})
	if got := WhoAmI(context.Background(), denied); got != UnknownUser {
		t.Errorf("WhoAmI without permission = %q", got)
	}
}

func TestRecordEvent(t *testing.T) {
	p, _ := plan(t, v2API, 3)
	kube := fake.NewClientset()
	if _, err := RecordEvent(context.Background(), kube, p, &After{ResourceVersion: "9"}, "alice", now); err != nil {
		t.Fatal(err)
	}
	list, _ := kube.CoreV1().Events("ns").List(context.Background(), metav1.ListOptions{})
	if len(list.Items) != 1 {
		t.Fatalf("events: %d", len(list.Items))
	}
	ev := list.Items[0]
	io := ev.InvolvedObject
	if ev.Reason != EventReason || ev.Type != corev1.EventTypeNormal || io.Kind != "Backup" || io.APIVersion != "br.pingcap.com/v1alpha1" ||
		io.UID != "uid-b" || io.ResourceVersion != "9" || ev.Source.Component != EventComponent || !ev.LastTimestamp.Time.Equal(now) {
		t.Errorf("event: %+v", ev)
	}
	if want := "alice removed 3 retry records (retryNum 1-3) from status.backoffRetryStatus with kubectl logbackup reset-retries"; ev.Message != want {
		t.Errorf("message %q", ev.Message)
	}
	p1, _ := plan(t, v1API, 1)
	if m := EventMessage(p1, "bob"); !strings.Contains(m, "bob removed 1 retry record (retryNum 1)") {
		t.Errorf("one record: %q", m)
	}
}

func TestRecordEventForbidden(t *testing.T) {
	p, _ := plan(t, v1API, 1)
	kube := fake.NewClientset()
	kube.PrependReactor("create", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "events"}, "", errors.New(`User "u" cannot create resource "events" in API group "" in the namespace "ns"`))
	})
	_, err := RecordEvent(context.Background(), kube, p, nil, "alice", now)
	if err == nil || err.Error() != `forbidden: missing permission to create events (API group "" (core)) in namespace ns` {
		t.Errorf("err = %v", err)
	}
}
