package text

import (
	"strings"
	"testing"
)

// Forms a second hostile review found Redact leaving: each input holds
// "LEAK", which must not survive.
func TestRedactReview2Leaks(t *testing.T) {
	for _, s := range []string{
		// BR's backup encryption key (--crypter.key, --log.crypter.key).
		"br backup full --crypter.method aes128-ctr --crypter.key 0123LEAK",
		"br backup full --crypter.key=0123LEAK",
		"br log start --log.crypter.key=0123LEAK",
		// A PEM private key's body, one log line each.
		"-----BEGIN PRIVATE KEY----- MIIEvQLEAKkqhkiG9w0BAQEFAASC -----END PRIVATE KEY-----",
		// TOML/ini: BR's, TiDB's and ~/.my.cnf's config files.
		`password = "LEAK"`,
		"PASSWORD = LEAK",
		"password\t=\tLEAK",
		// mysql -p with the password quoted, or after a quoted argument.
		"mysql -uroot -p'LEAK'",
		`mysql -h tidb -e "select 1" -pLEAK`,
		// URL-encoded form bodies and query strings.
		"body=user%3Droot%26password%3DLEAK",
		"s3://b/p?secret%2Daccess%2Dkey=LEAK",
		// An env var as JSON or as a Go struct (%+v of a corev1.EnvVar).
		`{"name":"AWS_SECRET_ACCESS_KEY","value":"LEAK"}`,
		"[{Name:TIDB_PASSWORD Value:LEAK ValueFrom:nil}]",
		// A YAML block scalar, and a YAML list of args.
		"password: |\n  LEAK\n",
		"args:\n- --password\n- LEAK\n",
		// A JSON string inside a JSON string inside a JSON string.
		`"{\\\"secretAccessKey\\\":\\\"LEAK\\\"}"`,
	} {
		if got := Redact(s); strings.Contains(got, "LEAK") {
			t.Errorf("Redact(%q) = %q", s, got)
		}
	}
}

// Text a support engineer needs, which Redact must leave as it is: the
// names of Secrets (references, not credentials) and prose.
func TestRedactReview2Keeps(t *testing.T) {
	for _, s := range []string{
		"tlsSecret: backup-tls",
		`"tokenSecret":"tidb-token"`,
		"credentialsSecret: gcs-creds",
		"--tls-secret=backup-tls",
		"mysql client started; then -phase detected",
	} {
		if got := Redact(s); got != s {
			t.Errorf("Redact(%q) = %q", s, got)
		}
	}
}

// A lone "secret" key is hidden whatever its value looks like: the word
// names the credential itself, not a Secret object, so "s3-secret" could
// be the secret's value; hiding wins over the prose it may spoil.
func TestRedactReview2HidesLoneSecretKey(t *testing.T) {
	for s, want := range map[string]string{
		"secret: s3-secret not found": "secret: xxxxx not found",
		"--secret=backup-tls":         "--secret=xxxxx",
		"AWS_SECRET=backup-tls":       "AWS_SECRET=xxxxx",
		// A Secret reference's key, but a value a generated credential
		// could be (hex, a UUID, no hyphen).
		"tlsSecret: 3f2504e0-4f89-11d3-9a0c-0305e82c3301": "tlsSecret: xxxxx",
		"tlsSecret: hunter2":                              "tlsSecret: xxxxx",
		"clientSecret: abc123def":                         "clientSecret: xxxxx",
	} {
		if got := Redact(s); got != want {
			t.Errorf("Redact(%q) = %q, want %q", s, got, want)
		}
	}
}

// Near misses of the review 2 rules, kept as they are.
func TestRedactReview2KeepsNearMisses(t *testing.T) {
	for _, s := range []string{
		"br backup full --crypter.method aes128-ctr",
		"if token == nil {",
		"[key=7480000000000000ff] [start-key=74800000]",
		"mysql -h tidb -P 4000 -u root",
		"-----BEGIN CERTIFICATE----- MIIBkeep -----END CERTIFICATE-----",
		"GET /x?prefix=team%2Fdb1%2F&list-type=2",
		`{"name":"BR_LOG_LEVEL","value":"info"}`,
		"{Name:TZ Value:UTC ValueFrom:nil}",
		"note: |\n  keep\n",
		"args:\n- --log-level\n- info\n",
	} {
		if got := Redact(s); got != s {
			t.Errorf("Redact(%q) = %q", s, got)
		}
	}
}
