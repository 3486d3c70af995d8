package bundle

import (
	"strings"
	"testing"
)

// Names --redact-names must hide that a second hostile review found kept:
// storage names beyond DNS rules, URL-encoded and escaped forms.
func TestNamerHidesStorageAndEncodedNames(t *testing.T) {
	n := NewNamerWithKey([]byte("k"))
	n.Add(NameBucket, "Acme-Backups") // S3 buckets made before 2018 in us-east-1
	n.Add(NameBucket, "acme-bucket")
	n.Add(NamePrefix, "Team_DB/2024") // an S3 prefix may hold any character
	n.Add(NamePrefix, "team/db1")
	n.Add(NameBackup, "nightly")
	for _, c := range []struct{ in, name string }{
		{"s3://Acme-Backups/x", "Acme-Backups"},
		{"s3://acme-bucket/Team_DB/2024/backupmeta", "Team_DB"},
		{"GET /acme-bucket?list-type=2&prefix=team%2Fdb1%2F", "db1"},
		{"s3%3A%2F%2Facme-bucket%2Fx", "acme-bucket"},
		{`[error="failed:\nacme-bucket not found"]`, "acme-bucket"},
		{`[error="backup\tnightly failed"]`, "nightly"},
	} {
		if got := n.Replace(c.in); strings.Contains(got, c.name) {
			t.Errorf("Replace(%q) = %q, keeps %q", c.in, got, c.name)
		}
	}
}
