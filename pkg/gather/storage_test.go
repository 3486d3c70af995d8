package gather

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

const planted = "PLANTED-SECRET-VALUE-7f3a"

func s3Backup() *backup.Backup {
	return &backup.Backup{Namespace: "tidb", Name: "nightly", Storage: &backup.Storage{Provider: backup.StorageS3, SecretName: "s3-secret"}}
}

// Key names are kept, values never: not in the section, not in its JSON.
func TestStorageKeepsKeyNamesOnly(t *testing.T) {
	kube := fake.NewClientset(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s3-secret", Namespace: "tidb"}, Data: map[string][]byte{"access_key": []byte(planted), "region": []byte(planted)}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "tidb", Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/br", "other": "x"}}},
	)
	sec := gatherStorage(context.Background(), kube, s3Backup())
	if sec.SecretFound == nil || !*sec.SecretFound || strings.Join(sec.Keys, ",") != "access_key,region" || strings.Join(sec.Missing, ",") != "secret_key" {
		t.Errorf("section %+v", sec)
	}
	if len(sec.Identity) != 1 || sec.Identity[0] != "eks.amazonaws.com/role-arn=arn:aws:iam::1:role/br" || sec.ServiceAccount != "default" {
		t.Errorf("identity %v of %q", sec.Identity, sec.ServiceAccount)
	}
	out, _ := json.Marshal(sec)
	if strings.Contains(string(out), planted) {
		t.Errorf("a secret value reached the section: %s", out)
	}
}

func TestStorageSecretMissingOrForbidden(t *testing.T) {
	kube := fake.NewClientset()
	sec := gatherStorage(context.Background(), kube, s3Backup())
	if sec.SecretFound == nil || *sec.SecretFound || sec.SecretError != "" || sec.ServiceAccountFound == nil || *sec.ServiceAccountFound {
		t.Errorf("missing secret: %+v", sec)
	}
	kube.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "s3-secret", nil)
	})
	sec = gatherStorage(context.Background(), kube, s3Backup())
	if sec.SecretFound != nil || !strings.Contains(sec.SecretError, "forbidden: missing permission to get secrets") {
		t.Errorf("forbidden: %+v", sec)
	}
	if sec := gatherStorage(context.Background(), kube, &backup.Backup{Namespace: "tidb"}); sec.Provider != "" || sec.Keys == nil {
		t.Errorf("no storage spec: %+v", sec)
	}
}

func TestAzureEitherKeySet(t *testing.T) {
	if m := missingKeys(backup.StorageAzblob, []string{"AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY"}); m != nil {
		t.Errorf("shared key: %v", m)
	}
	if m := missingKeys(backup.StorageAzblob, []string{"AZURE_CLIENT_ID"}); strings.Join(m, ",") != "AZURE_CLIENT_SECRET,AZURE_TENANT_ID" {
		t.Errorf("AAD: %v", m)
	}
}
