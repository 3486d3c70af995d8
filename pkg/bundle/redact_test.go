package bundle

import (
	"encoding/json"
	"strings"
	"testing"
)

// plantedObject holds a secret in every form RedactObject knows, each
// holding "SEKRIT", and look-alikes that must stay.
const plantedObject = `{
  "apiVersion": "pingcap.com/v1alpha1",
  "kind": "Backup",
  "metadata": {
    "name": "nightly",
    "annotations": {
      "kubectl.kubernetes.io/last-applied-configuration": "{\"spec\":{\"s3\":{\"secretAccessKey\":\"SEKRIT-last\"}}}",
      "note": "ordinary"
    },
    "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]
  },
  "spec": {
    "s3": {"bucket": "b", "secretName": "s3-secret", "accessKey": "SEKRIT-ak", "secretAccessKey": "SEKRIT-sk",
           "session_token": "SEKRIT-st", "endpoint": "https://user:SEKRIT-url@minio:9000", "options": ["--sse=aws:kms"]},
    "azblob": {"container": "c", "sasToken": "SEKRIT-sas", "accessTier": "Hot"},
    "from": {"host": "tidb", "user": "root", "password": "SEKRIT-pw", "tlsClientSecretName": "tls"},
    "credentials": {"private_key": "SEKRIT-pk", "client_email": "svc@example.iam"},
    "env": [
      {"name": "PASSWORD", "value": "SEKRIT-env"},
      {"name": "AWS_SECRET_ACCESS_KEY", "value": "SEKRIT-env-aws"},
      {"name": "EXTRA", "value": "--token=SEKRIT-env-flag"},
      {"name": "KEY_ID", "value": "AKIAIOSFODNN7EXAMPLE"},
      {"name": "REGION", "value": "us-east-1"},
      {"name": "FROM_SECRET", "valueFrom": {"secretKeyRef": {"name": "s3-secret", "key": "access_key"}}}
    ],
    "br": {"options": ["--secret-access-key", "SEKRIT-opt", "--password=SEKRIT-opt-eq", "--s3.secret-access-key", "SEKRIT-opt-dot", "--log-level", "info"]},
    "containers": [{"name": "backup", "args": ["sh", "-c", "br backup --token SEKRIT-shell"], "command": ["-p", "keep"]}],
    "automountServiceAccountToken": true,
    "fields": "[key=ordinary-key] [secret_key=SEKRIT-field]"
  }
}`

func TestRedactObject(t *testing.T) {
	var obj map[string]any
	if err := json.Unmarshal([]byte(plantedObject), &obj); err != nil {
		t.Fatal(err)
	}
	RedactObject(obj)
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	for _, leak := range []string{"SEKRIT-ak", "SEKRIT-sk", "SEKRIT-st", "SEKRIT-url", "SEKRIT-sas", "SEKRIT-pw", "SEKRIT-pk",
		"SEKRIT-env", "SEKRIT-opt", "SEKRIT-shell", "SEKRIT-field", "SEKRIT-last", "AKIAIOSFODNN7EXAMPLE", "managedFields", "last-applied"} {
		if strings.Contains(got, leak) {
			t.Errorf("%q left in %s", leak, got)
		}
	}
	// References, names, settings and look-alikes stay.
	for _, keep := range []string{`"secretName":"s3-secret"`, `"tlsClientSecretName":"tls"`, `"accessTier":"Hot"`, `"user":"root"`,
		`"value":"us-east-1"`, `"key":"access_key"`, `"--log-level","info"`, `"--sse=aws:kms"`, `[key=ordinary-key]`,
		`"automountServiceAccountToken":true`, `"client_email":"svc@example.iam"`, `"note":"ordinary"`, `"accessKey":"xxxxx"`, `"-p","keep"`} {
		if !strings.Contains(got, keep) {
			t.Errorf("%s lost from %s", keep, got)
		}
	}
}

// TestRedactObjectReviewForms: issue 13's review, credentials in
// annotations, args lists and env vars, and the look-alikes that stay.
func TestRedactObjectReviewForms(t *testing.T) {
	obj := map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{
			"kapp.k14s.io/original": `{"spec":{"azblob":{"sasToken":"SEKRIT-ann-json","container":"c"}}}`,
			"example.com/note":      "s3:\n  secretAccessKey: SEKRIT-ann-yaml\n  bucket: b\n",
			"example.com/list":      `[{"name":"DB_PASS","value":"SEKRIT-ann-list"}]`,
			"example.com/cmd":       "br backup --password SEKRIT-ann-text",
			"example.com/plain":     "keep: this",
			"example.com/json":      `{"a": 1}`,
		}},
		"spec": map[string]any{
			"args": []any{"--password=", "SEKRIT-args", "--port", "4000", "--log-level=", "info"},
			"env": []any{
				map[string]any{"name": "DB_PASS", "value": "SEKRIT-db-pass"},
				map[string]any{"name": "X_PASSWD", "value": "SEKRIT-passwd"},
				map[string]any{"name": "BYPASS_PROXY", "value": "keep-bypass"},
			},
			"options": []any{"--azblob.account-key=SEKRIT-azblob"},
		},
	}
	RedactObject(obj)
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	if strings.Contains(got, "SEKRIT") {
		t.Errorf("a secret is left in %s", got)
	}
	ann := obj["metadata"].(map[string]any)["annotations"].(map[string]any)
	for k, want := range map[string]string{
		"kapp.k14s.io/original": `{"spec":{"azblob":{"container":"c","sasToken":"xxxxx"}}}`,
		"example.com/note":      "s3:\n  bucket: b\n  secretAccessKey: xxxxx\n",
		"example.com/plain":     "keep: this",
		"example.com/json":      `{"a": 1}`,
	} {
		if ann[k] != want {
			t.Errorf("annotation %s = %q, want %q", k, ann[k], want)
		}
	}
	for _, keep := range []string{`"--port","4000"`, `"--log-level=","info"`, `"value":"keep-bypass"`} {
		if !strings.Contains(got, keep) {
			t.Errorf("%s lost from %s", keep, got)
		}
	}
}

func TestCredentialName(t *testing.T) {
	for name, want := range map[string]bool{
		"accessKey": true, "secret_access_key": true, "--s3.secret-access-key": true, "sasToken": true, "TIDB_PASSWORD": true,
		"privateKey": true, "credentials": true, "token": true,
		"secretName": false, "secretKeyRef": false, "key": false, "bucket": false, "tokenSecretName": false, "name": false,
	} {
		if got := CredentialName(name); got != want {
			t.Errorf("CredentialName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestImageTag(t *testing.T) {
	for image, want := range map[string]string{
		"pingcap/tidb-operator:v1.6.1":                 "v1.6.1",
		"registry:5000/pingcap/tidb-operator:v2.0.0":   "v2.0.0",
		"registry:5000/pingcap/tidb-operator":          "unknown",
		"pingcap/tidb-operator@sha256:abc":             "unknown",
		"pingcap/tidb-operator:v1.5.5@sha256:abcdef12": "v1.5.5",
		"": "unknown",
	} {
		if got := ImageTag(image); got != want {
			t.Errorf("ImageTag(%q) = %q, want %q", image, got, want)
		}
	}
}
