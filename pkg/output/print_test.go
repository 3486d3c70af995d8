package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

type doc struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Message    string   `json:"message"`
	Lines      []string `json:"lines"`
	Count      int      `json:"count"`
	Ratio      float64  `json:"ratio"`
	Ok         bool     `json:"ok"`
	Missing    *string  `json:"missing"`
}

func (d *doc) OutputKind() (string, string) { return d.APIVersion, d.Kind }

// hostile holds every class of character the text boundary escapes.
func hostile() []string {
	var out []string
	for r := rune(0); r < 0x100; r++ {
		out = append(out, "a"+string(r)+"b")
	}
	return append(out, "\x1b[2J\x1b[H", "\u202e", "\u2066x\u2069", "\ufeff", "\u200b", "\u2028", "\ufffe",
		"\U000e0001", "true", "123", "null", "- x", "a: b", "#c", "", " lead", "\xff\xfe", "日本語 ✓ 😀",
		// what a YAML 1.1 reader would not read as a string
		"yes", "No", "on", "OFF", "y", "n", "~", "<<", "=", "12:30:00", "1:20", "190:20:30.15", "0x1F", "0o17", "1_000", ".inf", "-.NaN", "2026-11-25", "1e3")
}

func TestPrintKeepsValuesAndEscapes(t *testing.T) {
	in := &doc{APIVersion: APIVersion, Kind: "Test", Lines: hostile(), Count: 3, Ratio: 0.5, Ok: true}
	in.Message = strings.Join(in.Lines, "|")
	for _, format := range []string{JSON, YAML} {
		var buf bytes.Buffer
		if err := Print(&buf, format, in); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out := buf.String()
		if !utf8.ValidString(out) {
			t.Errorf("%s: invalid UTF-8", format)
		}
		// Safe on a terminal: only newlines (and tabs) are left raw.
		for _, line := range strings.Split(out, "\n") {
			if c := text.Clean(line); c != line {
				t.Errorf("%s: a raw character a terminal acts on in %q", format, line)
			}
		}
		var back doc
		var err error
		if format == JSON {
			err = json.Unmarshal(buf.Bytes(), &back)
		} else {
			// Read it back the way kubectl does (YAML 1.1 through
			// sigs.k8s.io/yaml), and as YAML 1.2.
			var data []byte
			if data, err = sigsyaml.YAMLToJSON(buf.Bytes()); err == nil {
				err = json.Unmarshal(data, &back)
			}
			var generic any
			if err == nil {
				err = yaml.Unmarshal(buf.Bytes(), &generic)
			}
		}
		if err != nil {
			t.Fatalf("%s does not decode: %v\n%s", format, err, out)
		}
		for i, want := range in.Lines {
			want = strings.Map(func(r rune) rune { return r }, want) // each invalid byte becomes U+FFFD, as in JSON
			if back.Lines[i] != want {
				t.Errorf("%s: line %d = %q, want %q", format, i, back.Lines[i], want)
			}
		}
		if back.Count != 3 || back.Ratio != 0.5 || !back.Ok || back.Missing != nil || back.Kind != "Test" {
			t.Errorf("%s: scalars changed: %+v", format, back)
		}
	}
}

func TestYAMLKeepsFieldOrderAndKubectlLook(t *testing.T) {
	var buf bytes.Buffer
	if err := Print(&buf, YAML, &doc{APIVersion: APIVersion, Kind: "Test", Message: "plain text", Lines: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	want := "apiVersion: " + APIVersion + "\nkind: Test\nmessage: plain text\nlines:\n  - x\ncount: 0\nratio: 0\nok: false\nmissing: null\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestPrintRefusesAnUnkindedObject(t *testing.T) {
	if err := Print(&bytes.Buffer{}, JSON, &doc{}); err == nil {
		t.Error("no error for an object without apiVersion")
	}
}

func TestPrintRedactsCredentials(t *testing.T) {
	for _, msg := range []string{
		`Get "https://admin:hunter2@10.0.0.1/apis": Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123`,
		// A flag and its value with a blank between them (issue 13's review).
		`[ERROR] ["run br failed"] [cmd="br backup full --password hunter2"]`,
		"exec br --s3.secret-access-key hunter2",
		"AccountName=acme;AccountKey=hunter2",
	} {
		in := &doc{APIVersion: APIVersion, Kind: "Test", Message: msg}
		for _, format := range []string{JSON, YAML} {
			var buf bytes.Buffer
			if err := Print(&buf, format, in); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), "hunter2") || strings.Contains(buf.String(), "abcdefghijklmnopqrstuvwxyz0123") {
				t.Errorf("%s: a credential is printed:\n%s", format, buf.String())
			}
		}
	}
}

// The YAML 1.1 forms go-yaml v2 does not resolve are quoted too.
func TestYAMLQuotesYAML11Forms(t *testing.T) {
	for _, v := range []string{"<<", "=", "12:30:00", "1:20", "-1:20.5"} {
		var buf bytes.Buffer
		if err := Print(&buf, YAML, &doc{APIVersion: APIVersion, Kind: "T", Message: v}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "message: \""+v+"\"\n") {
			t.Errorf("%q is not quoted:\n%s", v, buf.String())
		}
	}
}

// A log's lines in a list: a credential over several lines (a PEM key's
// body, a YAML block scalar) is hidden as in one text.
func TestPrintRedactsCredentialsAcrossListItems(t *testing.T) {
	in := &doc{APIVersion: APIVersion, Kind: "Test", Lines: []string{
		"-----BEGIN RSA PRIVATE KEY-----", "MIIEowIBAAKCAQEAhunter2", "-----END RSA PRIVATE KEY-----",
		"password: |", "  hunter3", "after"}}
	for _, format := range []string{JSON, YAML} {
		var buf bytes.Buffer
		if err := Print(&buf, format, in); err != nil {
			t.Fatal(err)
		}
		if out := buf.String(); strings.Contains(out, "hunter") || !strings.Contains(out, "after") {
			t.Errorf("%s: a credential is printed or a line lost:\n%s", format, out)
		}
	}
}
