package bundle

import (
	"context"
	"io"
	"path"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
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
// namespace and name, the names of the Jobs and Pods the operator makes
// for it (which hold its name, cut when long), its storage bucket and
// prefix (also when given as "<bucket>/<path>"), its TiDB cluster's
// namespace. Without --redact-names it does nothing.
func (b *Bundle) Register(obj *unstructured.Unstructured) {
	if b.namer == nil || obj == nil {
		return
	}
	b.namer.Add(NameNamespace, obj.GetNamespace())
	b.namer.Add(NameBackup, obj.GetName())
	registerJobs(b.namer, obj.GetName())
	if ns, _, _ := unstructured.NestedString(obj.Object, "spec", "br", "clusterNamespace"); ns != "" {
		b.namer.Add(NameNamespace, ns)
	}
	for _, provider := range []string{backup.StorageS3, backup.StorageGCS, backup.StorageAzblob, "local"} {
		for _, f := range []struct{ field, kind string }{{"bucket", NameBucket}, {"container", NameBucket}, {"prefix", NamePrefix}} {
			if v, _, _ := unstructured.NestedString(obj.Object, "spec", provider, f.field); v != "" {
				b.namer.Add(f.kind, v)
			}
		}
		if v, _, _ := unstructured.NestedString(obj.Object, "spec", provider, "path"); v != "" {
			registerPath(b.namer, v)
		}
	}
}

// jobNames are the operator's Job names for a backup (operator-facts.md,
// "Jobs and Pods"): snapshot, log subcommands, volume init, clean, stop.
func jobNames(name string) []string {
	out := []string{"backup-" + name, "clean-" + name, "stop-" + name}
	for _, sub := range []string{"log-start", "log-stop", "log-truncate", "log-pause", "log-resume", "init"} {
		out = append(out, "backup-"+name+"-"+sub)
	}
	return out
}

// registerJobs registers a backup's Job names, each also cut to 63
// characters, and their Pods' generateNames (the Job's name and "-", cut
// to 58 characters, before 5 random ones), so that no Job or Pod name
// shows the backup's name or a prefix of it.
func registerJobs(n *Namer, name string) {
	for _, job := range jobNames(name) {
		n.Add(NameJob, job[:min(len(job), maxLabel)])
		gen := job + "-"
		n.AddGenerated(gen[:min(len(gen), maxGenerateName)])
	}
}

// registerPath registers a storage path "<bucket>/<prefix>" (spec.s3.path
// and its kin): its bucket and its prefix.
func registerPath(n *Namer, p string) {
	p = strings.Trim(strings.TrimPrefix(p, "s3://"), "/")
	bucket, prefix, _ := strings.Cut(p, "/")
	n.Add(NameBucket, bucket)
	n.Add(NamePrefix, prefix)
}

// registerWorkload registers the Jobs and Pods found on the backup's owner
// chain: their names hold the backup's, and may not be the operator's
// usual ones (another version, a retry).
func (b *Bundle) registerWorkload(w report.WorkloadSection) {
	if b.namer == nil {
		return
	}
	for _, j := range w.Jobs {
		b.namer.Add(NameJob, j.Name)
	}
	for _, p := range w.Pods {
		b.namer.Add(NamePod, p.Name)
		b.namer.Add(NameJob, p.Job)
	}
}

// registerOwned registers the Jobs and Pods read for the bundle's files
// (read after the report: one may be new).
func (b *Bundle) registerOwned(jobs []batchv1.Job, pods []corev1.Pod) {
	if b.namer == nil {
		return
	}
	for i := range jobs {
		b.namer.Add(NameJob, jobs[i].Name)
	}
	for i := range pods {
		b.namer.Add(NamePod, pods[i].Name)
		b.namer.AddGenerated(pods[i].GenerateName)
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
		b.registerWorkload(rep.Workload)
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
