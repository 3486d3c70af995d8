package manifests

import (
	"bytes"
	"encoding/json"
	"strings"

	"sigs.k8s.io/yaml"
)

// YAML writes the objects as a multi-document stream for `kubectl apply -f
// -`: the header's lines as comments, then each object after "---", its
// comment first.
func YAML(header []string, objs []Object) ([]byte, error) {
	var b bytes.Buffer
	comment(&b, header)
	for _, o := range objs {
		doc, err := yaml.Marshal(o.Object)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		comment(&b, o.Comment)
		b.Write(doc)
	}
	return b.Bytes(), nil
}

func comment(b *bytes.Buffer, lines []string) {
	for _, l := range lines {
		// One comment line per line, whatever it holds.
		for _, part := range strings.Split(l, "\n") {
			b.WriteString(strings.TrimRight("# "+part, " ") + "\n")
		}
	}
}

// JSONList writes the objects as one v1 List, indented as kubectl indents
// (four spaces), the form `kubectl create --dry-run=client -o json` prints
// for several objects.
func JSONList(objs []Object) ([]byte, error) {
	items := make([]any, len(objs))
	for i, o := range objs {
		items[i] = o.Object
	}
	list := map[string]any{
		"apiVersion": "v1",
		"kind":       "List",
		"metadata":   map[string]any{"resourceVersion": ""},
		"items":      items,
	}
	// Not escaped for HTML: the rules' expressions keep their > and <.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(list); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
