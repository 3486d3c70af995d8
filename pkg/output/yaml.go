package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"

	yaml11 "go.yaml.in/yaml/v2"
	yaml "go.yaml.in/yaml/v3"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// marshalYAML converts the JSON encoding to YAML. sigs.k8s.io/yaml, which
// kubectl uses, re-parses JSON as YAML and fails on DEL and C1 characters
// ("control characters are not allowed"); so the document is built here as
// a node tree, in the JSON field order, and any string holding a character
// YAML's plain style cannot carry is written double-quoted, where the
// emitter escapes it.
func marshalYAML(obj any) ([]byte, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	root, err := yamlNode(dec, nil)
	if err != nil {
		return nil, fmt.Errorf("converting the output to YAML: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("converting the output to YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return escapeRunes(buf.Bytes(), yamlEscape), nil
}

// yamlNode reads one JSON value from dec as a YAML node, its strings
// redacted as redactString redacts JSON strings.
func yamlNode(dec *json.Decoder, carry *text.Carry) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if v == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
		}
		var inner *text.Carry // as MapJSONStrings shares one per list
		if v == '[' {
			inner = new(text.Carry)
		}
		for dec.More() {
			if n.Kind == yaml.MappingNode {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, stringNode(key.(string)))
			}
			child, err := yamlNode(dec, inner)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, child)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		if carry != nil {
			v = carry.Hide(v)
		}
		return stringNode(text.Redact(v)), nil
	case json.Number:
		tag := "!!int"
		if bytes.ContainsAny([]byte(v), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(v)}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(v)}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// stringNode is a string scalar. One with a character that must be
// escaped is double-quoted, the only YAML style with escapes; so is one
// that a YAML 1.1 reader (sigs.k8s.io/yaml, which kubectl and most
// Kubernetes tools use) would read as something else: yes, on, 0x1f,
// 12:30:00, <<. The YAML 1.2 emitter leaves those plain.
func stringNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	for _, r := range s {
		if r < 0x20 || unsafeRune(r) {
			n.Style = yaml.DoubleQuotedStyle
			return n
		}
	}
	var v any
	if err := yaml11.Unmarshal([]byte(s), &v); err != nil || v != any(s) || yaml11Only(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// sexagesimal is YAML 1.1's base-60 number (12:30:00, 1:20.5), which
// go-yaml v2 leaves a string but PyYAML and other 1.1 readers do not.
var sexagesimal = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)

// yaml11Only: what YAML 1.1 reads as no string and go-yaml v2 misses: a
// base-60 number, the merge key and the value key.
func yaml11Only(s string) bool {
	return s == "<<" || s == "=" || sexagesimal.MatchString(s)
}

// yamlEscape writes a rune as YAML's double-quoted escape.
func yamlEscape(b *bytes.Buffer, r rune) {
	switch {
	case r <= 0xff:
		fmt.Fprintf(b, `\x%02x`, r)
	case r <= 0xffff:
		fmt.Fprintf(b, `\u%04x`, r)
	default:
		fmt.Fprintf(b, `\U%08x`, r)
	}
}
