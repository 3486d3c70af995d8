package diagnose

import (
	"fmt"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Rules read from the failed backup pod's log.

// storageProblem maps what br and the cloud SDKs print to what to check.
type storageProblem struct {
	needles []string
	what    string
}

func storageProblems() []storageProblem {
	return []storageProblem{
		{[]string{"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "AuthorizationFailure", "403 Forbidden"},
			"the storage credentials: the Secret named in the backup's storage spec, its keys, and the bucket policy"},
		{[]string{"NoSuchBucket", "BucketNotFound", "ContainerNotFound"},
			"that the bucket (or container) in the backup's storage spec exists, in that region"},
		{[]string{"RequestTimeout", "i/o timeout", "connection refused", "no such host", "TLS handshake timeout", "context deadline exceeded"},
			"connectivity from the backup pod to the storage endpoint: DNS, proxy, network policies, endpoint URL"},
	}
}

func storageErrors(r *report.Report, _ Options) []report.Finding {
	for _, line := range r.PodLog.Lines {
		for _, p := range storageProblems() {
			for _, n := range p.needles {
				if strings.Contains(line, n) {
					return []report.Finding{{
						Severity: report.Critical,
						Summary:  fmt.Sprintf("Storage error in the log of pod %s: %s.", r.PodLog.Pod, n),
						Next:     "Check " + p.what + ".",
					}}
				}
			}
		}
	}
	return nil
}
