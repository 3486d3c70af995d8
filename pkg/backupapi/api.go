// Package backupapi is the one way every verb reaches TiDB Operator's
// Backup API: discovery of the served groups, finding one backup, paged
// lists and watches of both groups, the Jobs and Pods a backup owns, and
// the error that names a missing permission. Verbs never call client-go
// for Backups themselves, so both operators are handled alike everywhere.
package backupapi

import (
	"errors"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// Clients are the API clients a verb works with.
type Clients struct {
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
}

// API is one served Backup API.
type API struct {
	Group   string
	Version string
	// StatusSubresource: discovery lists backups/status (operator v2), so
	// status changes must be sent there.
	StatusSubresource bool
}

// GVR of the backups resource in this API.
func (a API) GVR() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: a.Group, Version: a.Version, Resource: backup.Resource}
}

// Found is one backup object with the API that serves it.
type Found struct {
	API    API
	Object *unstructured.Unstructured
}

// ErrNoBackupAPI: neither operator's CRD is installed.
var ErrNoBackupAPI = errors.New("no Backup API in this cluster (neither pingcap.com/v1alpha1 nor br.pingcap.com/v1alpha1 serves backups): is TiDB Operator installed?")

// KnownGroups are the groups that serve kind Backup, v1 first.
func KnownGroups() []string { return []string{backup.GroupV1, backup.GroupV2} }
