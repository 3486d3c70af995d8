package reset

import (
	"context"
	"fmt"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// Audit event fields.
const (
	EventReason    = "RetriesReset"
	EventComponent = "kubectl-logbackup"
	// UnknownUser is written when the API server will not say who we are.
	UnknownUser = "unknown"
)

// WhoAmI asks the API server who the credentials belong to (a
// SelfSubjectReview, which --as also honours). Any failure gives
// UnknownUser: the audit event is worth more than the name in it.
func WhoAmI(ctx context.Context, kube kubernetes.Interface) string {
	r, err := kube.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil || r.Status.UserInfo.Username == "" {
		return UnknownUser
	}
	return r.Status.UserInfo.Username
}

// EventMessage says who removed how many records.
func EventMessage(p *Plan, who string) string {
	if p.Malformed || len(p.Records) == 0 {
		return fmt.Sprintf("%s removed %s with kubectl logbackup reset-retries", who, p.What())
	}
	what := CountRecords(len(p.Records))
	// The numbers, when the records hold readable ones.
	if first, last := p.Records[0].RetryNum, p.Records[len(p.Records)-1].RetryNum; first > 0 && last > 0 {
		what += fmt.Sprintf(" (retryNum %d)", first)
		if last != first {
			what = CountRecords(len(p.Records)) + fmt.Sprintf(" (retryNum %d-%d)", first, last)
		}
	}
	return fmt.Sprintf("%s removed %s from status.backoffRetryStatus with kubectl logbackup reset-retries", who, what)
}

// RecordEvent writes the audit Event on the backup. The error is one line
// naming the missing permission; callers warn with it and carry on.
func RecordEvent(ctx context.Context, kube kubernetes.Interface, p *Plan, after *After, who string, now time.Time) (*corev1.Event, error) {
	t := metav1.NewTime(now)
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: p.Target.Name + ".", Namespace: p.Target.Namespace},
		InvolvedObject: corev1.ObjectReference{
			Kind: "Backup", APIVersion: p.Group + "/" + p.Version,
			Namespace: p.Target.Namespace, Name: p.Target.Name, UID: types.UID(p.UID),
		},
		Type:           corev1.EventTypeNormal,
		Reason:         EventReason,
		Message:        EventMessage(p, who),
		Source:         corev1.EventSource{Component: EventComponent},
		FirstTimestamp: t,
		LastTimestamp:  t,
		Count:          1,
	}
	if after != nil {
		ev.InvolvedObject.ResourceVersion = after.ResourceVersion
	}
	out, err := kube.CoreV1().Events(p.Target.Namespace).Create(ctx, ev, metav1.CreateOptions{})
	if err != nil {
		return nil, backupapi.Access(err, "create", "", "events", "", p.Target.Namespace)
	}
	return out, nil
}
