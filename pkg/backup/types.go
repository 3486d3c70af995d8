package backup

import "time"

// The two API groups that serve kind Backup.
const (
	GroupV1  = "pingcap.com"    // operator v1: no status subresource
	GroupV2  = "br.pingcap.com" // operator v2: status subresource
	Version  = "v1alpha1"
	Resource = "backups"
)

// Upstream defaults of spec.backoffRetryPolicy.
const (
	DefaultMaxRetryTimes    = 2
	DefaultMinRetryDuration = Duration(300 * time.Second)
	DefaultRetryTimeout     = Duration(30 * time.Minute)
)

// Backup is what the plugin reads from either group.
type Backup struct {
	Group           string    `json:"group"`
	Version         string    `json:"version"`
	Namespace       string    `json:"namespace"`
	Name            string    `json:"name"`
	UID             string    `json:"uid"`
	ResourceVersion string    `json:"resourceVersion"`
	Created         time.Time `json:"created"`
	Mode            string    `json:"mode"`
	LogSubcommand   string    `json:"logSubcommand,omitempty"`
	// Cluster is the TiDB cluster the backup reads (spec.br.cluster, in
	// spec.br.clusterNamespace or, when that is empty, the backup's own
	// namespace): what two log backups must not share.
	Cluster          string      `json:"cluster,omitempty"`
	ClusterNamespace string      `json:"clusterNamespace,omitempty"`
	Phase            string      `json:"phase"`
	Policy           RetryPolicy `json:"retryPolicy"`
	// Records is status.backoffRetryStatus in the order the controller wrote it.
	Records    []RetryRecord `json:"retryRecords"`
	Conditions []Condition   `json:"conditions"`
	// CheckpointTS is status.logCheckpointTs as written (a TiDB TSO), or a
	// number a writer sent, formatted as a decimal.
	CheckpointTS string `json:"logCheckpointTs,omitempty"`
	// Invalid lists the fields that could not be read, in object order;
	// each was left at its zero value or, for the policy, its default.
	Invalid []FieldError `json:"invalid,omitempty"`

	// What the field diagnoses read (docs/diagnoses.md); all optional.

	// Finalizers and DeletionTimestamp: a Backup being deleted stays until
	// its finalizers are removed (the operator's cleaner, tidb-operator#5968).
	Finalizers        []string   `json:"finalizers,omitempty"`
	DeletionTimestamp *time.Time `json:"deletionTimestamp,omitempty"`
	// StatusAbsent: the object holds no status at all (absent or {}):
	// nothing has recorded anything about it yet.
	StatusAbsent bool `json:"statusAbsent,omitempty"`
	// TimeSynced is status.timeSynced: when operator v1 last read the log
	// backup's state from PD. Stale while Running, the operator stopped
	// tracking the task (tidb-operator#4745).
	TimeSynced *time.Time `json:"timeSynced,omitempty"`
	// Progresses is status.progresses: a snapshot backup's steps.
	Progresses []Progress `json:"progresses,omitempty"`
	// Storage names the storage provider and the Secret the operator reads
	// its credentials from; nothing else of the storage spec is kept.
	Storage *Storage `json:"storage,omitempty"`
	// ServiceAccount is spec.serviceAccount: the backup pod's, whose cloud
	// identity annotations can stand in for a Secret.
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// LogTruncateUntil is spec.logTruncateUntil (v1 log backups).
	LogTruncateUntil string `json:"logTruncateUntil,omitempty"`
}

// Progress is one element of status.progresses.
type Progress struct {
	Step string `json:"step"`
	// Progress is the percentage BR reported for the step.
	Progress           float64    `json:"progress"`
	LastTransitionTime *time.Time `json:"lastTransitionTime,omitempty"`
}

// Storage providers the operator knows, by their spec field.
const (
	StorageS3     = "s3"
	StorageGCS    = "gcs"
	StorageAzblob = "azblob"
)

// Storage is the provider (s3, gcs, azblob, local) and spec.PROVIDER.secretName.
type Storage struct {
	Provider   string `json:"provider"`
	SecretName string `json:"secretName,omitempty"`
}

// RetryPolicy is spec.backoffRetryPolicy with each field's source kept, so
// output can say which values are upstream defaults.
type RetryPolicy struct {
	MaxRetryTimes           int      `json:"maxRetryTimes"`
	MaxRetryTimesDefault    bool     `json:"maxRetryTimesIsDefault"`
	MinRetryDuration        Duration `json:"minRetryDuration"`
	MinRetryDurationDefault bool     `json:"minRetryDurationIsDefault"`
	RetryTimeout            Duration `json:"retryTimeout"`
	RetryTimeoutDefault     bool     `json:"retryTimeoutIsDefault"`
}

// RetryRecord is one element of status.backoffRetryStatus.
type RetryRecord struct {
	RetryNum        int        `json:"retryNum"`
	DetectFailedAt  *time.Time `json:"detectFailedAt,omitempty"`
	ExpectedRetryAt *time.Time `json:"expectedRetryAt,omitempty"`
	RealRetryAt     *time.Time `json:"realRetryAt,omitempty"`
	RetryReason     string     `json:"retryReason,omitempty"`
	OriginalReason  string     `json:"originalReason,omitempty"`
}

// Condition covers both v1's BackupCondition and v2's metav1.Condition.
type Condition struct {
	Type               string     `json:"type"`
	Status             string     `json:"status"`
	Reason             string     `json:"reason,omitempty"`
	Message            string     `json:"message,omitempty"`
	LastTransitionTime *time.Time `json:"lastTransitionTime,omitempty"`
	// Command is v1's: the log subcommand the condition is about
	// (LogBackupKernelSync names the one BR's real state matches).
	Command string `json:"command,omitempty"`
}

// GroupVersion is "group/version", as kubectl prints apiVersion.
func (b *Backup) GroupVersion() string { return b.Group + "/" + b.Version }

// IsLog reports a log backup (spec.backupMode: log).
func (b *Backup) IsLog() bool { return b.Mode == "log" }
