package gather

import (
	"context"

	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Workload is the Jobs and Pods owned by the backup, newest first, as
// investigate shows them; reset-retries reads it to tell whether the last
// failure is still unresolved.
func Workload(ctx context.Context, kube kubernetes.Interface, b *backup.Backup) report.WorkloadSection {
	return gatherWorkload(ctx, kube, b).section
}

// AccessError is the one line investigate shows for a failed request,
// naming the verb, group, resource and subresource when it was forbidden.
func AccessError(err error, verb, group, resource, subresource, namespace string) string {
	return sectionError(err, access{verb: verb, group: group, resource: resource, subresource: subresource, namespace: namespace})
}
