package bundle

import (
	"encoding/json"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// redactAnnotation takes the credentials out of an annotation's value.
// Tools keep whole objects in annotations (kapp.k14s.io/original, as
// kubectl's last-applied does) and people keep notes in YAML there: such a
// value, a JSON or YAML map or list, is redacted field by field like the
// object itself and written back in its own format, so that a credential
// under a field name ("secretAccessKey": "...") is found; a value that is
// neither, or that redaction leaves as it was, is kept as written (after
// text.Redact).
func redactAnnotation(v string) string {
	parsed, isJSON := parseStructured(v)
	if parsed == nil {
		return text.Redact(v)
	}
	before, _ := json.Marshal(parsed)
	parsed = redactValue(parsed)
	after, err := json.Marshal(parsed)
	if err != nil {
		return text.Redacted
	}
	if string(before) == string(after) {
		return text.Redact(v)
	}
	if isJSON {
		return string(after)
	}
	out, err := yaml.JSONToYAML(after)
	if err != nil {
		return text.Redacted
	}
	return string(out)
}

// parseStructured reads v as JSON, else as YAML, and returns it when it is
// a map or a list (nil otherwise), and whether it was JSON. A plain word
// or sentence is YAML too (a string): it is not structured.
func parseStructured(v string) (any, bool) {
	s := strings.TrimSpace(v)
	if s == "" {
		return nil, false
	}
	var parsed any
	isJSON := true
	if err := json.Unmarshal([]byte(s), &parsed); err != nil {
		isJSON = false
		if yaml.Unmarshal([]byte(s), &parsed) != nil {
			return nil, false
		}
	}
	switch parsed.(type) {
	case map[string]any, []any:
		return parsed, isJSON
	}
	return nil, false
}
