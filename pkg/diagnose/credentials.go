package diagnose

import (
	"fmt"
	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// Rules on the storage credentials (the storage section): the Secret the
// storage spec names, its key names (never values), and the service
// account's cloud identity (tidb#61547).

func storageCredentials(r *report.Report, _ Options) []report.Finding {
	s := r.Storage
	if s.Provider == "" || s.Provider == "local" {
		return nil
	}
	field := fmt.Sprintf("spec.%s.secretName %s", s.Provider, s.SecretName)
	switch {
	case s.SecretError != "":
		return []report.Finding{{Severity: report.Info, Summary: "The storage Secret " + s.SecretName + " was not checked: " + s.SecretError + "."}}
	case s.SecretFound != nil && !*s.SecretFound:
		return []report.Finding{{
			Severity: report.Critical,
			Summary:  fmt.Sprintf("The Secret %s named by the storage spec does not exist in namespace %s: the backup pod gets no storage credentials.", s.SecretName, r.Backup.Backup.Namespace) + evidence(field, "secret not found"),
			Next:     fmt.Sprintf("Create it with the keys the operator reads (%s), or remove secretName and give the service account a cloud identity (IRSA, workload identity).", strings.Join(secretKeys(s.Provider), ", ")),
		}}
	case len(s.Missing) > 0:
		return []report.Finding{{
			Severity: report.Critical,
			Summary:  fmt.Sprintf("The storage Secret %s lacks the keys the operator reads for %s: %s.", s.SecretName, s.Provider, strings.Join(s.Missing, ", ")) + evidence(field, "its keys: "+keyList(s.Keys)),
			Next:     "Add the missing keys (names are case-sensitive: a key called " + s.Missing[0] + ", not a variant) and let the next retry run, or recreate the backup.",
		}}
	case s.SecretName == "" && s.ServiceAccountFound != nil && *s.ServiceAccountFound && len(s.Identity) == 0 && r.Backup.Backup.Phase != backup.PhaseComplete:
		// A warning, not more: kube2iam, EKS Pod Identity or the node's
		// own role leave no annotation on the service account.
		return []report.Finding{{
			Severity: report.Warning,
			Summary:  fmt.Sprintf("The storage spec names no Secret and service account %s has no cloud identity annotation: unless the node's role, kube2iam or EKS Pod Identity gives BR credentials, it has none.", s.ServiceAccount) + evidence("spec."+s.Provider+".secretName not set", "serviceaccount "+s.ServiceAccount+" without "+identityNames()),
			Next:     "Set spec." + s.Provider + ".secretName to a Secret with the storage keys, or annotate the service account (spec.serviceAccount) with its cloud identity (IRSA: eks.amazonaws.com/role-arn; GKE: iam.gke.io/gcp-service-account; Azure: azure.workload.identity/client-id).",
		}}
	case s.SecretName == "" && s.ServiceAccountFound != nil && !*s.ServiceAccountFound:
		return []report.Finding{{
			Severity: report.Critical,
			Summary:  "The service account " + s.ServiceAccount + " of the backup pod does not exist, and the storage spec names no Secret." + evidence("spec.serviceAccount "+s.ServiceAccount, "serviceaccount not found"),
			Next:     "Create the service account (with its cloud identity annotation), or set spec.serviceAccount to one that exists.",
		}}
	}
	return nil
}

// secretKeys mirrors gather.SecretKeysFor without importing gather
// (diagnose reads the report only).
func secretKeys(provider string) []string {
	switch provider {
	case "s3":
		return []string{"access_key", "secret_key"}
	case "gcs":
		return []string{"credentials"}
	case "azblob":
		return []string{"AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID (or AZURE_STORAGE_KEY)"}
	}
	return nil
}

func identityNames() string {
	return "eks.amazonaws.com/role-arn, iam.gke.io/gcp-service-account or azure.workload.identity/client-id"
}

// keyList names at most maxKeysShown keys: a Secret may hold thousands.
func keyList(keys []string) string {
	if len(keys) == 0 {
		return "none"
	}
	if len(keys) > maxKeysShown {
		return strings.Join(keys[:maxKeysShown], ", ") + fmt.Sprintf(" and %d more", len(keys)-maxKeysShown)
	}
	return strings.Join(keys, ", ")
}

const maxKeysShown = 20
