// Package krewmanifest renders krew-manifest.yaml, the template that
// krew-release-bot fills in for the central krew-index, the same way the
// bot does, but with the sha256 of archives on disk: `make krew-index`
// writes this repository's own index (plugins/logbackup.yaml) with it, and
// the krew test renders a manifest for the archive it just built.
package krewmanifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"text/template"
)

// Values are what the template and each addURIAndSha URL see.
type Values struct {
	TagName string // v1.2.3
	Version string // 1.2.3
}

// ValuesFor is the values of a tag, as the bot computes them: Version is
// the dotted number in the tag.
func ValuesFor(tag string) Values {
	v := dotted.FindString(tag)
	if v == "" {
		v = tag
	}
	return Values{TagName: tag, Version: v}
}

var dotted = regexp.MustCompile(`\d+(\.\d+)+`)

// Render executes the template with tag. addURIAndSha "URL" .TagName
// becomes "uri: URL" and, on the next line indented by four spaces (the
// platform's own indentation in a two-space manifest), "sha256: SUM", with
// URL's own {{ .TagName }} and {{ .Version }} filled in and SUM from
// sha(URL). indent N re-indents such a pair, as the bot's helper does.
func Render(tmpl []byte, tag string, sha func(url string) (string, error)) ([]byte, error) {
	vals := ValuesFor(tag)
	funcs := template.FuncMap{
		"addURIAndSha": func(urlTemplate, tag string) (string, error) {
			t, err := template.New("url").Option("missingkey=error").Parse(urlTemplate)
			if err != nil {
				return "", err
			}
			var url strings.Builder
			if err := t.Execute(&url, ValuesFor(tag)); err != nil {
				return "", err
			}
			sum, err := sha(url.String())
			if err != nil {
				return "", err
			}
			return "uri: " + url.String() + "\n    sha256: " + sum, nil
		},
		"indent": func(spaces int, v string) string {
			v = strings.ReplaceAll(v, "    sha256:", "sha256:")
			pad := strings.Repeat(" ", spaces)
			return strings.TrimSpace(pad + strings.ReplaceAll(v, "\n", "\n"+pad))
		},
	}
	t, err := template.New("krew-manifest.yaml").Option("missingkey=error").Funcs(funcs).Parse(string(tmpl))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := t.Execute(&out, vals); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// FileSHA256 is the hex sha256 of a file's bytes.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
