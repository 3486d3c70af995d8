package text

import "testing"

// TestRedactCredentialForms: the forms of issue 13's review, each with a
// look-alike that stays.
func TestRedactCredentialForms(t *testing.T) {
	cases := []struct{ in, want string }{
		// A flag and its value with a blank between them.
		{`[ERROR] ["run br failed"] [cmd="br backup full --password S3KRIT"]`, `[ERROR] ["run br failed"] [cmd="br backup full --password xxxxx"]`},
		{"failed: exec br --s3.secret-access-key S3KRIT", "failed: exec br --s3.secret-access-key xxxxx"},
		{"run -password 'a b' and --log-level info", "run -password 'xxxxx' and --log-level info"},
		{`["--password", "S3KRIT"]`, `["--password", "xxxxx"]`},
		{"br --port 4000 --log-level info --key-file /etc/k --password --next", "br --port 4000 --log-level info --key-file /etc/k --password --next"},
		{"--secretName s3 --token-ttl 1h", "--secretName s3 --token-ttl 1h"},
		// --x=v, the next string of a list, connection strings.
		{"backup --azblob.account-key=S3KRIT", "backup --azblob.account-key=xxxxx"},
		{`["--password=", "S3KRIT"]`, `["--password=", "xxxxx"]`},
		{"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=S3KRIT;EndpointSuffix=core.windows.net",
			"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=xxxxx;EndpointSuffix=core.windows.net"},
		{"sasToken=S3KRIT secretAccessKey=S3KRIT accessKeyPolicy=strict", "sasToken=xxxxx secretAccessKey=xxxxx accessKeyPolicy=strict"},
		{"TIDB_PASSWORD=S3KRIT MYSQL_PWD=S3KRIT DB_PASS=S3KRIT TIDB_PASSWORD_POLICY=strict", "TIDB_PASSWORD=xxxxx MYSQL_PWD=xxxxx DB_PASS=xxxxx TIDB_PASSWORD_POLICY=strict"},
		{"[password-policy=strict] [mytoken=a] [key=abc] [passes=3]", "[password-policy=strict] [mytoken=a] [key=abc] [passes=3]"},
		// JSON keys by their end, any case.
		{`{"sasToken":"S","accessKeyId":"S","aws_session_token":"S","accountKey":"S","credentials":"S","credentialsJson":"S"}`,
			`{"sasToken":"xxxxx","accessKeyId":"xxxxx","aws_session_token":"xxxxx","accountKey":"xxxxx","credentials":"xxxxx","credentialsJson":"xxxxx"}`},
		{`{"accessKeyPolicy":"p","secretName":"s","keyId":"k","automountServiceAccountToken":true}`, `{"accessKeyPolicy":"p","secretName":"s","keyId":"k","automountServiceAccountToken":true}`},
		// YAML.
		{"s3:\n  secretAccessKey: S3KRIT\n  password: 'S3KRIT'\n  - token: S3KRIT\n  bucket: b", "s3:\n  secretAccessKey: xxxxx\n  password: 'xxxxx'\n  - token: xxxxx\n  bucket: b"},
		{"password-policy: strict\nsecretName: s3\nautomountServiceAccountToken: true\naccessKeyPolicy: p", "password-policy: strict\nsecretName: s3\nautomountServiceAccountToken: true\naccessKeyPolicy: p"},
		// mysql's -pPASSWORD, in a mysql command only.
		{"sh -c 'mysql -h tidb -P 4000 -uroot -pS3KRIT test'", "sh -c 'mysql -h tidb -P 4000 -uroot -pxxxxx test'"},
		{"/usr/bin/mysqldump -pS3KRIT db", "/usr/bin/mysqldump -pxxxxx db"},
		{"mysql -u root -p test", "mysql -u root -p test"},
		{"tar -pxf a.tar; mkdir -p /tmp/x; ssh -p2222 h", "tar -pxf a.tar; mkdir -p /tmp/x; ssh -p2222 h"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
		if got := Redact(c.want); got != c.want {
			t.Errorf("Redact(%q) = %q, not stable", c.want, got)
		}
	}
}

func TestCredentialName(t *testing.T) {
	for name, want := range map[string]bool{
		"accessKey": true, "secret_access_key": true, "--s3.secret-access-key": true, "sasToken": true, "TIDB_PASSWORD": true,
		"privateKey": true, "credentials": true, "credentialsJson": true, "token": true, "--azblob.account-key": true, "ACCESS_KEY_ID": true,
		"secretName": false, "secretKeyRef": false, "key": false, "bucket": false, "tokenSecretName": false, "name": false,
		"accessKeyPolicy": false, "password-policy": false, "--port": false, "-p": false, "--key-file": false, "secret.name": false,
	} {
		if got := CredentialName(name); got != want {
			t.Errorf("CredentialName(%q) = %v, want %v", name, got, want)
		}
	}
}

// CredentialName runs on each flag the quick scan meets.
func TestCredentialNameAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { CredentialName("--s3.secret-access-key") }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
