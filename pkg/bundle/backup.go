package bundle

import (
	"context"
	"io"
	"path"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/render"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Reader is what the bundle reads beyond the report: the raw objects, the
// logs, the Secrets' key names and the versions.
type Reader struct {
	Clients backupapi.Clients
	// Bound gives each read its own deadline (the session's one-shot
	// bound), so a fleet's bundle is not cut by one overall deadline.
	Bound func(context.Context) (context.Context, context.CancelFunc)
	// Since bounds the pod logs (0: the whole log, up to LimitBytes).
	Since time.Duration
}

func (r Reader) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.Bound == nil {
		return context.WithCancel(ctx)
	}
	return r.Bound(ctx)
}

// Item is one backup: its diagnosed report (with the timeline) and the
// object as the API server returned it.
type Item struct {
	Report *report.Report
	Object *unstructured.Unstructured
}

// Register tells the Namer the names of a backup before anything about
// it (or about another backup that may name it) is written: its
// namespace and name, its storage bucket and prefix, its TiDB cluster's
// namespace. Without --redact-names it does nothing.
func (b *Bundle) Register(obj *unstructured.Unstructured) {
	if b.namer == nil || obj == nil {
		return
	}
	b.namer.Add(NameNamespace, obj.GetNamespace())
	b.namer.Add(NameBackup, obj.GetName())
	if ns, _, _ := unstructured.NestedString(obj.Object, "spec", "br", "clusterNamespace"); ns != "" {
		b.namer.Add(NameNamespace, ns)
	}
	for _, provider := range []string{backup.StorageS3, backup.StorageGCS, backup.StorageAzblob, "local"} {
		for _, f := range []struct{ field, kind string }{{"bucket", NameBucket}, {"container", NameBucket}, {"prefix", NamePrefix}} {
			if v, _, _ := unstructured.NestedString(obj.Object, "spec", provider, f.field); v != "" {
				b.namer.Add(f.kind, v)
			}
		}
	}
}

// Add writes one backup's folder. Every read that fails is a note; the
// error is only for what could not be written to the bundle.
func (b *Bundle) Add(ctx context.Context, r Reader, it Item) error {
	rep, obj := it.Report, it.Object
	b.Register(obj)
	if b.namer != nil {
		for _, cb := range rep.ClusterBackups.Items {
			b.namer.Add(NameNamespace, cb.Namespace)
			b.namer.Add(NameBackup, cb.Name)
		}
	}
	ref := rep.Target
	dir := b.dir(ref.Namespace, ref.Name)
	b.backups = append(b.backups, dir)
	b.noteSections(ref, rep)

	if err := b.writeKinded(path.Join(dir, "report.json"), output.JSON, rep); err != nil {
		return err
	}
	if err := b.writeText(path.Join(dir, "report.txt"), func(w io.Writer) error {
		return render.Investigation(w, rep, render.Options{})
	}); err != nil {
		return err
	}
	if err := b.writeText(path.Join(dir, "timeline.txt"), func(w io.Writer) error {
		if rep.Timeline == nil {
			_, err := io.WriteString(w, "no timeline\n")
			return err
		}
		return render.Timeline(w, rep.Timeline, render.Options{})
	}); err != nil {
		return err
	}
	if p := retryPolicyOf(rep); p != nil {
		if err := b.writeKinded(path.Join(dir, "retry-policy.yaml"), output.YAML, p); err != nil {
			return err
		}
	}
	if obj != nil {
		u := obj.DeepCopy()
		RedactObject(u.Object)
		if err := b.writeKinded(path.Join(dir, "backup.yaml"), output.YAML, kinded(u.Object)); err != nil {
			return err
		}
		b.addSecretRefs(ctx, r, ref, specSecretRefs(u.Object))
	}
	if err := b.writeText(path.Join(dir, "controller.log"), func(w io.Writer) error {
		return writeLines(w, rep.Controller.Lines)
	}); err != nil {
		return err
	}
	if rep.Backup.Backup == nil {
		return nil
	}
	return b.addWorkload(ctx, r, dir, rep.Backup.Backup)
}

// noteSections turns each section error of the report into a note.
func (b *Bundle) noteSections(ref backup.Ref, rep *report.Report) {
	for _, s := range []struct{ what, err string }{
		{"backup", rep.Backup.Error},
		{"events", rep.Events.Error},
		{"jobs and pods", rep.Workload.Error},
		{"backup pod log", rep.PodLog.Error},
		{"controller log", rep.Controller.Error},
		{"metrics", rep.Metrics.Error},
		{"storage secret", rep.Storage.SecretError},
		{"service account", rep.Storage.ServiceAccountError},
		{"other log backups of the cluster", rep.ClusterBackups.Error},
	} {
		if s.err != "" {
			b.Note("%s: report: %s: %s", ref, s.what, s.err)
		}
	}
}

// retryPolicyOf is the policy in force, each value marked when it is the
// upstream default, with the retry arithmetic at the report's time.
func retryPolicyOf(rep *report.Report) *RetryPolicy {
	bk := rep.Backup.Backup
	if bk == nil {
		return nil
	}
	p := bk.Policy
	return &RetryPolicy{
		APIVersion:       output.APIVersion,
		Kind:             "RetryPolicy",
		Backup:           rep.Target,
		MaxRetryTimes:    PolicyValue{Value: p.MaxRetryTimes, Default: p.MaxRetryTimesDefault},
		MinRetryDuration: PolicyValue{Value: p.MinRetryDuration.String(), Default: p.MinRetryDurationDefault},
		RetryTimeout:     PolicyValue{Value: p.RetryTimeout.String(), Default: p.RetryTimeoutDefault},
		Invalid:          bk.Invalid,
		State:            rep.Backup.Retry,
	}
}

// RetryPolicy is retry-policy.yaml.
type RetryPolicy struct {
	APIVersion       string              `json:"apiVersion"`
	Kind             string              `json:"kind"`
	Backup           backup.Ref          `json:"backup"`
	MaxRetryTimes    PolicyValue         `json:"maxRetryTimes"`
	MinRetryDuration PolicyValue         `json:"minRetryDuration"`
	RetryTimeout     PolicyValue         `json:"retryTimeout"`
	Invalid          []backup.FieldError `json:"invalidFields,omitempty"`
	State            *backup.RetryState  `json:"state,omitempty"`
}

// PolicyValue is one value of the policy; Default: the field is absent
// (or unreadable) and the operator's default applies.
type PolicyValue struct {
	Value   any  `json:"value"`
	Default bool `json:"isDefault"`
}

// OutputKind makes it printable with output.Print.
func (p *RetryPolicy) OutputKind() (string, string) { return p.APIVersion, p.Kind }

// kinded is a Kubernetes object or list as output.Print takes it.
type kinded map[string]any

func (k kinded) OutputKind() (string, string) {
	v, _ := k["apiVersion"].(string)
	kind, _ := k["kind"].(string)
	return v, kind
}

// list is a Kubernetes v1 List of objects (each already redacted).
func list(items []map[string]any) kinded {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it
	}
	return kinded{"apiVersion": "v1", "kind": "List", "items": out}
}

// openLog opens a container's log, at most limitBytes of it; tailLines > 0
// asks for the last lines only.
func (r Reader) openLog(ctx context.Context, ns, pod, container string, limitBytes, tailLines int64) (io.ReadCloser, error) {
	opts := &corev1.PodLogOptions{Container: container, LimitBytes: &limitBytes}
	if tailLines > 0 {
		opts.TailLines = &tailLines
	}
	if r.Since > 0 {
		secs := int64(r.Since.Seconds())
		opts.SinceSeconds = &secs
	}
	return r.Clients.Kube.CoreV1().Pods(ns).GetLogs(pod, opts).Stream(ctx)
}
