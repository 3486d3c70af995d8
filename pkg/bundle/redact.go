package bundle

import (
	"regexp"
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// LastApplied is kubectl's annotation that repeats the whole object as it
// was applied, secrets in the spec included: it is dropped, not redacted,
// since everything it says is in the object itself.
const LastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// credentialSuffixes are the endings of field, env var and flag names
// whose value is a credential, compared with the name lower-cased and
// without '-', '_' and '.' (so secret_access_key, secretAccessKey and
// --secret-access-key are one name). A reference to a credential
// (secretName, secretKeyRef) ends otherwise and is kept.
var credentialSuffixes = []string{"password", "passwd", "pwd", "secret", "secretkey", "accesskey",
	"accesskeyid", "secretaccesskey", "sessiontoken", "sastoken", "token", "credential", "credentials",
	"privatekey", "apikey", "clientsecret", "accountkey", "storagekey", "connectionstring", "passphrase"}

// envWords are what an environment variable's name holds when its value
// is likely a credential: broader than credentialSuffixes (AWS_KEY_ID,
// TIDB_PASSWORD_FILE), since an env value redacted by mistake costs little.
var envWords = []string{"password", "passwd", "pwd", "secret", "token", "key", "credential", "auth", "sas", "cert"}

// normalName is a name lower-cased, without the separators people put
// between its words, and only its last dotted part (--s3.secret-access-key).
func normalName(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.ToLower(s)
	return strings.NewReplacer("-", "", "_", "").Replace(s)
}

// CredentialName tells a field or flag name whose value is a credential.
func CredentialName(name string) bool {
	n := normalName(name)
	for _, suf := range credentialSuffixes {
		if strings.HasSuffix(n, suf) {
			return true
		}
	}
	return false
}

// credentialEnv tells an environment variable whose value is likely a
// credential by its name.
func credentialEnv(name string) bool {
	n := strings.ToLower(name)
	for _, w := range envWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// RedactObject takes every credential out of a Kubernetes object decoded
// as unstructured JSON (maps, lists, strings, numbers), in place:
//
//   - metadata.managedFields and the last-applied annotation are dropped;
//   - the string value of a field whose name is a credential's
//     (accessKey, secretAccessKey, sasToken, password, ...: CredentialName)
//     is replaced by text.Redacted, and so is each string of a list there;
//   - in a {name, value} pair (an env var), the value when the name looks
//     like a credential's (credentialEnv);
//   - in a list of strings (args, command, BR's options), the element
//     after a flag that names a credential and has no = ("--password",
//     "x"); the --flag=value form is text.Redact's;
//   - every other string goes through text.Redact (URLs with a
//     password, name=value pairs, tokens, AWS key ids, ...).
//
// Key names, numbers and booleans are kept, so the object still reads
// as what it is.
func RedactObject(obj map[string]any) {
	if meta, ok := obj["metadata"].(map[string]any); ok {
		delete(meta, "managedFields")
		if ann, ok := meta["annotations"].(map[string]any); ok {
			delete(ann, LastApplied)
		}
	}
	redactMap(obj)
}

func redactMap(m map[string]any) {
	if name, ok := m["name"].(string); ok && credentialEnv(name) {
		if v, ok := m["value"].(string); ok && v != "" {
			m["value"] = text.Redacted
		}
	}
	for k, v := range m {
		if CredentialName(k) {
			m[k] = redactAll(v)
			continue
		}
		m[k] = redactValue(v)
	}
}

// redactAll replaces every string under a credential's field.
func redactAll(v any) any {
	switch t := v.(type) {
	case string:
		if t == "" {
			return t
		}
		return text.Redacted
	case []any:
		for i := range t {
			t[i] = redactAll(t[i])
		}
	case map[string]any:
		redactMap(t)
	}
	return v
}

func redactValue(v any) any {
	switch t := v.(type) {
	case string:
		return RedactText(t)
	case map[string]any:
		redactMap(t)
	case []any:
		redactList(t)
	}
	return v
}

func redactList(l []any) {
	for i := range l {
		if i > 0 && flagNamesCredential(l[i-1]) {
			if s, ok := l[i].(string); ok && s != "" {
				l[i] = text.Redacted
				continue
			}
		}
		l[i] = redactValue(l[i])
	}
}

// flagPairRE is "--name value" inside one string (a shell command line,
// a log line): group 1 the flag's name, group 2 its value.
// The value may be in quotes (groups 2, 3) or bare (group 4).
var flagPairRE = regexp.MustCompile(`(?:^|[\s"'])--?([A-Za-z][A-Za-z0-9._-]*)[ \t]+(?:'([^'\r\n]+)'|"([^"\r\n]+)"|([^\s"'-][^\s"']*))`)

// RedactText is text.Redact plus the value after a flag that names a
// credential, written with a blank instead of = ("br --password x").
func RedactText(s string) string {
	s = text.Redact(s)
	if !strings.Contains(s, "-") {
		return s
	}
	ms := flagPairRE.FindAllStringSubmatchIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if !CredentialName(s[m[2]:m[3]]) {
			continue
		}
		for g := 4; g+1 < len(m); g += 2 {
			if m[g] < 0 {
				continue
			}
			if s[m[g]:m[g+1]] != text.Redacted {
				b.WriteString(s[last:m[g]])
				b.WriteString(text.Redacted)
				last = m[g+1]
			}
			break
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// flagNamesCredential tells "--password" or "-secret-key" (a flag whose
// value is the next argument) from "--password=x" and from a value.
func flagNamesCredential(v any) bool {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, "-") || strings.ContainsAny(s, "= \t") {
		return false
	}
	return CredentialName(strings.TrimLeft(s, "-"))
}
