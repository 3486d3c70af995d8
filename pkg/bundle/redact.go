package bundle

import (
	"strings"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// LastApplied is kubectl's annotation that repeats the whole object as it
// was applied, secrets in the spec included: it is dropped, not redacted,
// since everything it says is in the object itself.
const LastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// envWords are what an environment variable's name holds when its value
// is likely a credential: broader than text.CredentialName (AWS_KEY_ID,
// TIDB_PASSWORD_FILE), since an env value redacted by mistake costs little.
var envWords = []string{"password", "passwd", "pwd", "secret", "token", "key", "credential", "auth", "sas", "cert"}

// envParts are the words of an environment variable's name, split at '_',
// that name a credential only as a whole word (DB_PASS, not BYPASS_PROXY).
var envParts = []string{"pass", "pw"}

// CredentialName tells a field or flag name whose value is a credential
// (text.CredentialName: accessKey, secret_access_key, --s3.secret-access-key).
// A reference to a credential (secretName, secretKeyRef) is not one.
func CredentialName(name string) bool { return text.CredentialName(name) }

// credentialEnv tells an environment variable whose value is likely a
// credential by its name.
func credentialEnv(name string) bool {
	n := strings.ToLower(name)
	for _, w := range envWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	for _, part := range strings.FieldsFunc(n, func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		for _, w := range envParts {
			if part == w {
				return true
			}
		}
	}
	return false
}

// RedactObject takes every credential out of a Kubernetes object decoded
// as unstructured JSON (maps, lists, strings, numbers), in place:
//
//   - metadata.managedFields and the last-applied annotation are dropped;
//   - an annotation that holds a JSON or YAML map or list (another
//     tool's copy of the object, a note) is redacted as an object and
//     written back (redactAnnotation);
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
			for k, v := range ann {
				if s, ok := v.(string); ok {
					ann[k] = redactAnnotation(s)
				}
			}
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
		return text.Redact(t)
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

// flagNamesCredential tells "--password" or "-secret-key" (a flag whose
// value is the next argument; "--password=" with nothing after the = too)
// from "--password=x" and from a value.
func flagNamesCredential(v any) bool {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, "-") {
		return false
	}
	s = strings.TrimSuffix(s, "=")
	if strings.ContainsAny(s, "= \t") {
		return false
	}
	return CredentialName(strings.TrimLeft(s, "-"))
}
