package report

// StorageSection is what the backup pod's storage credentials come from:
// the Secret named by the storage spec (its key names only: the plugin
// never keeps a value) and the service account, whose cloud identity
// annotations (IRSA, workload identity) can stand in for a Secret.
type StorageSection struct {
	// Provider is the storage spec that is set: s3, gcs, azblob, local;
	// empty when the backup names none.
	Provider   string `json:"provider,omitempty"`
	SecretName string `json:"secretName,omitempty"`
	// SecretFound: the Secret exists; nil when it was not read (no
	// secretName, or the read failed: SecretError says why).
	SecretFound *bool `json:"secretFound,omitempty"`
	// Keys are the Secret's key names, sorted. Never values.
	Keys []string `json:"keys"`
	// Missing are the keys the operator reads for this provider that the
	// Secret lacks.
	Missing     []string `json:"missing,omitempty"`
	SecretError string   `json:"secretError,omitempty"`
	// ServiceAccount is the backup pod's (spec.serviceAccount, else the
	// namespace's default).
	ServiceAccount      string `json:"serviceAccount,omitempty"`
	ServiceAccountFound *bool  `json:"serviceAccountFound,omitempty"`
	// Identity lists its cloud identity annotations as name=value (a role
	// ARN, a Google service account, an Azure client id: names, not
	// credentials).
	Identity            []string `json:"identity"`
	ServiceAccountError string   `json:"serviceAccountError,omitempty"`
}

// ClusterBackupsSection lists the other log backups that name the same
// TiDB cluster (spec.br.cluster and clusterNamespace): BR runs one log
// backup task per cluster, so a second one fails or a leftover one holds
// the task (tidb-operator#5249).
type ClusterBackupsSection struct {
	// Cluster is "namespace/name"; empty when not read (not a log backup,
	// or no spec.br.cluster).
	Cluster string          `json:"cluster,omitempty"`
	Items   []ClusterBackup `json:"items"`
	// Note says where was looked (one namespace only, when the user may
	// not list backups in all).
	Note  string `json:"note,omitempty"`
	Error string `json:"error,omitempty"`
}

// ClusterBackup is another log backup of the same cluster.
type ClusterBackup struct {
	Namespace     string `json:"namespace"`
	Name          string `json:"name"`
	Group         string `json:"group"`
	LogSubcommand string `json:"logSubcommand,omitempty"`
	Phase         string `json:"phase"`
	// Deleting: it has a deletionTimestamp.
	Deleting bool `json:"deleting,omitempty"`
}
