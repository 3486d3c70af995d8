package backup

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// raw mirrors only the fields the plugin reads; both operators write them
// with the same JSON names.
type raw struct {
	Spec struct {
		BackupMode    string `json:"backupMode"`
		LogSubcommand string `json:"logSubcommand"`
		LogStop       bool   `json:"logStop"`
		Policy        *struct {
			MaxRetryTimes    *int   `json:"maxRetryTimes"`
			MinRetryDuration string `json:"minRetryDuration"`
			RetryTimeout     string `json:"retryTimeout"`
		} `json:"backoffRetryPolicy"`
	} `json:"spec"`
	Status struct {
		Phase      string        `json:"phase"`
		Records    []RetryRecord `json:"backoffRetryStatus"`
		Conditions []Condition   `json:"conditions"`
		Checkpoint string        `json:"logCheckpointTs"`
	} `json:"status"`
}

// FromUnstructured reads a Backup of either group. It fails only when the
// object is not a Backup at all; odd field values are kept as written.
func FromUnstructured(u *unstructured.Unstructured) (*Backup, error) {
	gvk := u.GroupVersionKind()
	if gvk.Kind != "Backup" {
		return nil, fmt.Errorf("%s/%s is a %s, not a Backup", u.GetNamespace(), u.GetName(), gvk.Kind)
	}
	data, err := json.Marshal(u.Object)
	if err != nil {
		return nil, err
	}
	var r raw
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("backup %s/%s has fields of unexpected types: %w", u.GetNamespace(), u.GetName(), err)
	}
	b := &Backup{
		Group:           gvk.Group,
		Version:         gvk.Version,
		Namespace:       u.GetNamespace(),
		Name:            u.GetName(),
		UID:             string(u.GetUID()),
		ResourceVersion: u.GetResourceVersion(),
		Created:         u.GetCreationTimestamp().Time,
		Mode:            r.Spec.BackupMode,
		LogSubcommand:   r.Spec.LogSubcommand,
		Phase:           r.Status.Phase,
		Records:         r.Status.Records,
		Conditions:      r.Status.Conditions,
		CheckpointTS:    r.Status.Checkpoint,
	}
	if b.Mode == "" {
		b.Mode = "snapshot"
	}
	if b.IsLog() && b.LogSubcommand == "" {
		// Older manifests use the boolean; the operator maps it like this.
		b.LogSubcommand = "log-start"
		if r.Spec.LogStop {
			b.LogSubcommand = "log-stop"
		}
	}
	b.Policy = policyFrom(r)
	// Newest condition first: that is what a person reads first.
	sort.SliceStable(b.Conditions, func(i, j int) bool {
		return timeOrZero(b.Conditions[i].LastTransitionTime).After(timeOrZero(b.Conditions[j].LastTransitionTime))
	})
	return b, nil
}

func policyFrom(r raw) RetryPolicy {
	p := RetryPolicy{
		MaxRetryTimes: DefaultMaxRetryTimes, MaxRetryTimesDefault: true,
		MinRetryDuration: DefaultMinRetryDuration, MinRetryDurationDefault: true,
		RetryTimeout: DefaultRetryTimeout, RetryTimeoutDefault: true,
	}
	in := r.Spec.Policy
	if in == nil {
		return p
	}
	if in.MaxRetryTimes != nil {
		p.MaxRetryTimes, p.MaxRetryTimesDefault = *in.MaxRetryTimes, false
	}
	if d, err := time.ParseDuration(strings.TrimSpace(in.MinRetryDuration)); err == nil {
		p.MinRetryDuration, p.MinRetryDurationDefault = Duration(d), false
	}
	if d, err := time.ParseDuration(strings.TrimSpace(in.RetryTimeout)); err == nil {
		p.RetryTimeout, p.RetryTimeoutDefault = Duration(d), false
	}
	return p
}

func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
