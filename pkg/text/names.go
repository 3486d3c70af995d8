package text

import "strings"

// credentialEnds are the last words of a field, flag or key name whose
// value is a credential, lower case, words split by a blank: a name
// matches when it ends with one of them, its words joined by nothing, '-'
// or '_' (secretAccessKey, secret_access_key, --s3.secret-access-key). A
// reference to a credential (secretName, secretKeyRef) ends otherwise.
// "crypter.key" is BR's backup encryption key (--crypter.key,
// --log.crypter.key): its dot is matched as written.
var credentialEnds = []string{"password", "passwd", "pwd", "secret", "secret key", "access key", "access key id",
	"token", "credential", "credentials", "credentials json", "private key", "api key", "account key",
	"storage key", "connection string", "passphrase", "crypter.key"}

// bareNames are the names whose value is a credential in name=value
// outside a URL query (a flag, an environment variable, a log field, an
// Azure connection string), in lower case, matched at the start of a word
// (TIDB_PASSWORD and MYSQL_PWD included: '_' starts a word). "key" is not
// one: BR logs [key=...] for ordinary keys. Nor is "connection string":
// its value holds name=value pairs of its own.
var bareNames = append(spellings("password", "passwd", "pwd", "pass", "secret", "token", "secret key", "access key",
	"api key", "account key", "private key", "passphrase", "shared access signature", "credential", "credentials"),
	"sastoken", "secretaccesskey", "crypter.key")

// keyNames end the JSON and YAML keys whose string value is a credential,
// in lower case: the key may have anything before ("sasToken",
// "aws_session_token", "credentialsJson").
var keyNames = spellings(credentialEnds...)

// spellings are words (lower case, words split by a blank) joined by
// nothing, '-' and '_'.
func spellings(words ...string) []string {
	var out []string
	for _, w := range words {
		if !strings.Contains(w, " ") {
			out = append(out, w)
			continue
		}
		for _, sep := range []string{"", "-", "_"} {
			out = append(out, strings.ReplaceAll(w, " ", sep))
		}
	}
	return out
}

// compactEnds are credentialEnds without their blanks, for CredentialName.
var compactEnds = func() []string {
	out := make([]string, len(credentialEnds))
	for i, w := range credentialEnds {
		out[i] = strings.ReplaceAll(w, " ", "")
	}
	return out
}()

// CredentialName tells a field, flag or key name whose value is a
// credential: its last dotted part, without '-' and '_', ends with one of
// credentialEnds in any ASCII case. It does not allocate: it runs on
// every flag that Redact's quick scan meets.
func CredentialName(name string) bool {
	for _, end := range compactEnds {
		if endsWithFold(name, end) {
			return true
		}
	}
	return false
}

// endsWithFold tells whether name, '-' and '_' skipped, ends with end
// (lower case) within its last dotted part.
func endsWithFold(name, end string) bool {
	i := len(name) - 1
	for k := len(end) - 1; k >= 0; i-- {
		if i < 0 {
			return false
		}
		c := name[i]
		switch {
		case c == '-' || c == '_':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if c != end[k] {
			return false
		}
		k--
	}
	return true
}
