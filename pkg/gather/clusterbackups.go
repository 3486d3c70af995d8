package gather

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// MaxClusterBackups bounds the other log backups of one cluster that are
// kept: one is already too many, a few show the pattern.
const MaxClusterBackups = 20

// gatherClusterBackups lists the log backups of the backup's group that
// name the same TiDB cluster. Backups of a cluster may live in other
// namespaces (spec.br.clusterNamespace), so all namespaces are listed,
// slim and page by page; a user who may not do that gets the backup's own
// namespace, and the section says so.
func gatherClusterBackups(ctx context.Context, c backupapi.Clients, api backupapi.API, b *backup.Backup) report.ClusterBackupsSection {
	sec := report.ClusterBackupsSection{Items: []report.ClusterBackup{}}
	if !b.IsLog() || b.Cluster == "" {
		return sec
	}
	sec.Cluster = b.ClusterNamespace + "/" + b.Cluster
	more := 0
	each := func(_ backupapi.API, u *unstructured.Unstructured) error {
		o, err := backup.FromUnstructured(u)
		if err != nil || o.UID == b.UID || !o.IsLog() || o.Cluster != b.Cluster || o.ClusterNamespace != b.ClusterNamespace {
			return nil //nolint:nilerr // not a Backup: not one of this cluster's
		}
		if len(sec.Items) == MaxClusterBackups {
			more++
			return nil
		}
		sec.Items = append(sec.Items, report.ClusterBackup{Namespace: o.Namespace, Name: o.Name, Group: o.Group,
			LogSubcommand: o.LogSubcommand, Phase: o.Phase, Deleting: o.DeletionTimestamp != nil})
		return nil
	}
	rc := c.Kube.Discovery().RESTClient()
	err := backupapi.ListSlim(ctx, rc, []backupapi.API{api}, backupapi.ListOptions{}, each)
	if apierrors.IsForbidden(err) {
		sec.Items, more = sec.Items[:0], 0
		sec.Note = fmt.Sprintf("only namespace %s was searched: you may not list backups in all namespaces", b.Namespace)
		err = backupapi.ListSlim(ctx, rc, []backupapi.API{api}, backupapi.ListOptions{Namespace: b.Namespace}, each)
	}
	if err != nil {
		sec.Error = sectionError(backupapi.Access(err, "list", api.Group, "backups", "", b.Namespace))
	}
	if more > 0 {
		sec.Note = joinNote(sec.Note, fmt.Sprintf("%d more not shown", more))
	}
	return sec
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
