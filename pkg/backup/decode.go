package backup

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// FromUnstructured reads a Backup of either group field by field. It
// fails only when the object is not a Backup at all; every field it cannot
// read is listed in Backup.Invalid and the rest is still decoded, so
// investigate can show what is wrong and reset-retries can still reset.
func FromUnstructured(u *unstructured.Unstructured) (*Backup, error) {
	if u == nil {
		return nil, errors.New("no object to read as a Backup")
	}
	gvk := u.GroupVersionKind()
	if gvk.Kind != "Backup" {
		return nil, fmt.Errorf("%s/%s is a %s, not a Backup", u.GetNamespace(), u.GetName(), gvk.Kind)
	}
	// The metadata getters already tolerate wrongly typed fields.
	b := &Backup{
		Group:           gvk.Group,
		Version:         gvk.Version,
		Namespace:       u.GetNamespace(),
		Name:            u.GetName(),
		UID:             string(u.GetUID()),
		ResourceVersion: u.GetResourceVersion(),
		Created:         u.GetCreationTimestamp().Time,
	}
	d := &decoder{}
	if !b.Created.IsZero() && !plausible(b.Created) {
		// Only a hand-made object gets here; such a time cannot be
		// marshalled into the report again.
		v, _, _ := unstructured.NestedFieldNoCopy(u.Object, "metadata", "creationTimestamp")
		d.bad("metadata.creationTimestamp", v, expTime)
		b.Created = time.Time{}
	}
	b.Finalizers = u.GetFinalizers()
	if t := u.GetDeletionTimestamp(); t != nil && plausible(t.Time) {
		dt := t.Time
		b.DeletionTimestamp = &dt
	}
	spec, specReadable := d.object(u.Object["spec"], "spec")
	d.spec(b, spec, specReadable)
	raw, present := u.Object["status"]
	status, _ := d.object(raw, "status")
	// Absent: no status, null or {}; a status of the wrong type is invalid
	// (said so), not absent. A slim copy keeps SlimStatusPresent for a
	// status whose keys it dropped, so status and investigate agree.
	b.StatusAbsent = !present || raw == nil || (status != nil && len(status) == 0)
	if status != nil {
		d.status(b, status)
	}
	b.Invalid = d.invalid
	return b, nil
}

func (d *decoder) spec(b *Backup, spec map[string]any, readable bool) {
	b.Mode = d.str(spec, "spec", "backupMode", expString+"; the default snapshot is assumed")
	if b.Mode == "" {
		b.Mode = "snapshot"
	}
	b.LogSubcommand = d.str(spec, "spec", "logSubcommand", expString)
	logStop := d.boolean(spec, "spec", "logStop")
	if b.IsLog() && b.LogSubcommand == "" {
		// Older manifests use the boolean; the operator maps it like this.
		b.LogSubcommand = "log-start"
		if logStop {
			b.LogSubcommand = "log-stop"
		}
	}
	b.Policy = d.policy(spec, readable)
	if br, _ := d.object(spec["br"], "spec.br"); br != nil {
		b.Cluster = d.str(br, "spec.br", "cluster", expString)
		b.ClusterNamespace = d.str(br, "spec.br", "clusterNamespace", expString)
	}
	if b.Cluster != "" && b.ClusterNamespace == "" {
		b.ClusterNamespace = b.Namespace // the operator's default
	}
	b.Storage = d.storage(spec)
	b.ServiceAccount = d.str(spec, "spec", "serviceAccount", expString)
	b.LogTruncateUntil = d.str(spec, "spec", "logTruncateUntil", expString)
}

// storage reads which provider the spec names and its secretName, in the
// operator's order (the first one set wins); of the provider's spec
// nothing else is kept: it may carry credentials inline.
func (d *decoder) storage(spec map[string]any) *Storage {
	for _, p := range []string{StorageS3, StorageGCS, StorageAzblob, "local"} {
		path := "spec." + p
		m, ok := d.object(spec[p], path)
		if m == nil {
			if !ok {
				return &Storage{Provider: p}
			}
			continue
		}
		return &Storage{Provider: p, SecretName: d.str(m, path, "secretName", expString)}
	}
	return nil
}

func (d *decoder) status(b *Backup, status map[string]any) {
	b.Phase = d.str(status, "status", "phase", expString)
	b.CheckpointTS = d.tso(status, "status", "logCheckpointTs")
	b.Records = d.records(status["backoffRetryStatus"])
	b.Conditions = d.conditions(status["conditions"])
	b.TimeSynced = d.time(status, "status", "timeSynced")
	b.Progresses = d.progresses(status["progresses"])
}

// progresses reads status.progresses; an element that is not an object
// is reported and left out.
func (d *decoder) progresses(v any) []Progress {
	items := d.list(v, "status.progresses")
	var out []Progress
	for i, item := range items {
		path := fmt.Sprintf("status.progresses[%d]", i)
		m, ok := item.(map[string]any)
		if !ok {
			d.bad(path, item, expObject)
			continue
		}
		p := Progress{Step: d.str(m, path, "step", expString), LastTransitionTime: d.time(m, path, "lastTransitionTime")}
		var pct float64
		switch x := m["progress"].(type) {
		case nil:
		case float64:
			pct = x
		case int64:
			pct = float64(x)
		case int:
			pct = float64(x)
		default:
			// Left out: a step whose progress cannot be read must not
			// be judged as one that stays at 0 %.
			d.bad(path+".progress", x, "a number from 0 to 100")
			continue
		}
		if pct < 0 || pct > 100 || pct != pct {
			d.bad(path+".progress", m["progress"], "a number from 0 to 100")
			continue
		}
		p.Progress = pct
		out = append(out, p)
	}
	return out
}

// records keeps a placeholder where an element is not an object, so the
// count of retries used stays the controller's count.
func (d *decoder) records(v any) []RetryRecord {
	items := d.list(v, "status.backoffRetryStatus")
	if items == nil {
		return nil
	}
	recs := make([]RetryRecord, len(items))
	for i, item := range items {
		path := fmt.Sprintf("status.backoffRetryStatus[%d]", i)
		m, ok := item.(map[string]any)
		if !ok {
			d.bad(path, item, expObject)
			continue
		}
		r := &recs[i]
		r.RetryNum, _ = d.whole(m, path, "retryNum", expWhole)
		r.DetectFailedAt = d.time(m, path, "detectFailedAt")
		r.ExpectedRetryAt = d.time(m, path, "expectedRetryAt")
		r.RealRetryAt = d.time(m, path, "realRetryAt")
		r.RetryReason = d.str(m, path, "retryReason", expString)
		r.OriginalReason = d.str(m, path, "originalReason", expString)
	}
	return recs
}

// conditions reads the fields v1's BackupCondition and v2's
// metav1.Condition share, newest first: that is what a person reads
// first. FieldError paths keep the stored positions.
func (d *decoder) conditions(v any) []Condition {
	items := d.list(v, "status.conditions")
	if items == nil {
		return nil
	}
	conds := make([]Condition, len(items))
	for i, item := range items {
		path := fmt.Sprintf("status.conditions[%d]", i)
		m, ok := item.(map[string]any)
		if !ok {
			d.bad(path, item, expObject)
			continue
		}
		c := &conds[i]
		c.Type = d.str(m, path, "type", expString)
		c.Status = d.str(m, path, "status", expString)
		c.Reason = d.str(m, path, "reason", expString)
		c.Message = d.str(m, path, "message", expString)
		c.LastTransitionTime = d.time(m, path, "lastTransitionTime")
		c.Command = d.str(m, path, "command", expString)
	}
	sort.SliceStable(conds, func(i, j int) bool {
		return newer(conds[i].LastTransitionTime, conds[j].LastTransitionTime)
	})
	return conds
}

// newer orders times newest first, unknown times last.
func newer(a, b *time.Time) bool {
	if a == nil {
		return false
	}
	return b == nil || a.After(*b)
}
