package gather

import (
	"context"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// SecretKeysFor are the keys the operator reads from the storage Secret
// of each provider (tidb-operator's constants: S3AccessKey, S3SecretKey,
// GcsCredentialsKey; for Azure the AAD client credentials, or the
// account's shared key instead: see azureSatisfied).
func SecretKeysFor(provider string) []string {
	switch provider {
	case backup.StorageS3:
		return []string{"access_key", "secret_key"}
	case backup.StorageGCS:
		return []string{"credentials"}
	case backup.StorageAzblob:
		return []string{"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"}
	}
	return nil
}

// IdentityAnnotations are the service account annotations that give a
// pod a cloud identity without a Secret: EKS IRSA, GKE workload identity,
// Azure workload identity.
func IdentityAnnotations() []string {
	return []string{"eks.amazonaws.com/role-arn", "iam.gke.io/gcp-service-account", "azure.workload.identity/client-id"}
}

// gatherStorage reads the storage Secret's key names and the service
// account's identity annotations. The Secret is read whole (the API has
// no way to list only its keys) and its data dropped at once: only the
// key names are kept, so no value can reach the report, the output or an
// error. A read that fails (a user without `get secrets`) is said in the
// section and stops nothing.
func gatherStorage(ctx context.Context, kube kubernetes.Interface, b *backup.Backup) report.StorageSection {
	sec := report.StorageSection{Keys: []string{}, Identity: []string{}}
	if b.Storage == nil {
		return sec
	}
	sec.Provider, sec.SecretName = b.Storage.Provider, b.Storage.SecretName
	if sec.SecretName != "" {
		keys, found, err := secretKeys(ctx, kube, b.Namespace, sec.SecretName)
		switch {
		case err != nil:
			sec.SecretError = sectionError(backupapi.Access(err, "get", "", "secrets", "", b.Namespace))
		default:
			sec.SecretFound = &found
			sec.Keys = keys
			sec.Missing = missingKeys(sec.Provider, keys)
		}
	}
	sec.ServiceAccount = b.ServiceAccount
	if sec.ServiceAccount == "" {
		sec.ServiceAccount = "default" // a pod without serviceAccountName runs as it
	}
	sa, err := kube.CoreV1().ServiceAccounts(b.Namespace).Get(ctx, sec.ServiceAccount, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		found := false
		sec.ServiceAccountFound = &found
	case err != nil:
		sec.ServiceAccountError = sectionError(backupapi.Access(err, "get", "", "serviceaccounts", "", b.Namespace))
	default:
		found := true
		sec.ServiceAccountFound = &found
		for _, k := range IdentityAnnotations() {
			if v, ok := sa.Annotations[k]; ok {
				sec.Identity = append(sec.Identity, k+"="+v)
			}
		}
	}
	return sec
}

// secretKeys returns the key names of a Secret, sorted; found is false
// when it does not exist. The object read, values and all, is not kept.
func secretKeys(ctx context.Context, kube kubernetes.Interface, ns, name string) (keys []string, found bool, err error) {
	s, err := kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return []string{}, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	keys = make([]string, 0, len(s.Data)+len(s.StringData))
	for k := range s.Data {
		keys = append(keys, k)
	}
	for k := range s.StringData {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	clear(s.Data)
	clear(s.StringData)
	slices.Sort(keys)
	return keys, true, nil
}

// missingKeys: the provider's keys the Secret lacks. Azure is satisfied
// by either set the operator accepts.
func missingKeys(provider string, keys []string) []string {
	if provider == backup.StorageAzblob && slices.Contains(keys, "AZURE_STORAGE_KEY") {
		return nil
	}
	var out []string
	for _, k := range SecretKeysFor(provider) {
		if !slices.Contains(keys, k) {
			out = append(out, k)
		}
	}
	return out
}
