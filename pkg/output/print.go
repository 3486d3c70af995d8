package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Kinded is an output kind: it says its apiVersion and kind.
type Kinded interface {
	OutputKind() (apiVersion, kind string)
}

// Print writes obj as JSON or YAML. Strings are kept exactly (the model
// keeps the raw text), but every character a terminal could act on is
// written as an escape, so `-o json` on a terminal is as safe as the text
// view and the document still decodes to the same values; and credentials
// (a password in a URL, a token) are replaced by text.Redacted wherever
// they stand, whatever field of whatever kind holds them.
func Print(w io.Writer, format string, obj Kinded) error {
	if v, k := obj.OutputKind(); v == "" || k == "" {
		return fmt.Errorf("output of kind %q has no apiVersion", k) // a programming error
	}
	var data []byte
	var err error
	switch format {
	case JSON:
		data, err = marshalJSON(obj)
	case YAML:
		data, err = marshalYAML(obj)
	default:
		return fmt.Errorf("invalid --output %q: use json or yaml", format)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// marshalJSON indents as kubectl does (four spaces).
func marshalJSON(obj any) ([]byte, error) {
	data, err := indentJSON(obj, "    ")
	return append(data, '\n'), err
}

// JSONText is v as indented JSON (two spaces), redacted and escaped as
// Print does, for a view that shows JSON inline.
func JSONText(v any) (string, error) {
	data, err := indentJSON(v, "  ")
	return string(data), err
}

// indentJSON encodes v with every string redacted and every character
// that encoding/json leaves raw but a terminal acts on escaped.
func indentJSON(v any, indent string) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	compact, err := MapJSONStrings(data, redactString)
	if err != nil {
		return nil, err
	}
	if indent == "" {
		return escapeRunes(compact, jsonEscape), nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact, "", indent); err != nil {
		return nil, err
	}
	return escapeRunes(out.Bytes(), jsonEscape), nil
}

// redactString is the StringMapper of -o json|yaml: every string
// redacted, a list's strings as the lines of one log.
func redactString(_ string, list *text.Carry, s string) string {
	if list != nil {
		s = list.Hide(s)
	}
	return text.Redact(s)
}

// escapeRunes rewrites every rune that text.Clean would escape. In
// encoding/json's output such runes can only stand inside strings (its
// syntax is ASCII and it escapes C0 itself), and in the YAML this package
// emits only inside double-quoted scalars, so the rewrite keeps the
// document valid and its values the same.
func escapeRunes(data []byte, esc func(*bytes.Buffer, rune)) []byte {
	i := 0
	for i < len(data) && data[i] < utf8.RuneSelf && data[i] != 0x7f {
		i++
	}
	if i == len(data) {
		return data
	}
	var b bytes.Buffer
	b.Grow(len(data) + 16)
	b.Write(data[:i])
	for i < len(data) {
		r, n := utf8.DecodeRune(data[i:])
		if unsafeRune(r) {
			esc(&b, r)
		} else {
			b.Write(data[i : i+n])
		}
		i += n
	}
	return b.Bytes()
}

// unsafeRune: a rune the terminal boundary would not print raw.
func unsafeRune(r rune) bool {
	if r == '\t' || r == '\n' {
		return false
	}
	s := string(r)
	return text.Clean(s) != s
}

func jsonEscape(b *bytes.Buffer, r rune) {
	if r > 0xffff { // a surrogate pair, as JSON spells runes beyond the BMP
		r -= 0x10000
		fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		return
	}
	fmt.Fprintf(b, `\u%04x`, r)
}
