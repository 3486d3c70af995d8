package gather

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// workload is the section plus the UIDs of the jobs and pods, whose
// events are read next.
type workload struct {
	section report.WorkloadSection
	uids    []types.UID
}

// gatherWorkload lists the Jobs and Pods along the owner chain, so objects
// left by a deleted backup of the same name never show up.
func gatherWorkload(ctx context.Context, kube kubernetes.Interface, b *backup.Backup) workload {
	owned, err := backupapi.ListOwned(ctx, kube, b)
	w := workload{section: report.NewWorkload(owned.Jobs, owned.Pods, owned.PodJob, owned.Unowned)}
	w.section.Error = sectionError(err)
	for _, j := range owned.Jobs {
		w.uids = append(w.uids, j.UID)
	}
	for _, p := range owned.Pods {
		w.uids = append(w.uids, p.UID)
	}
	return w
}
