// Package bundle writes `kubectl logbackup report`'s support bundle: for
// each backup, the investigation (JSON, text, timeline), the raw objects
// (Backup, Jobs, Pods, Events) as YAML with every credential taken out,
// the backup pods' logs and the controller's lines about it, the retry
// policy in force; and once, the versions, the Secrets referred to (names
// and key names only), the notes (every source that failed) and a README.
// The layout is in README (readme.go).
//
// Nothing secret enters it: objects pass RedactObject, every line and
// string text.Redact, Secrets are never read into it beyond their key
// names; with a Namer (--redact-names), namespace, backup, bucket and
// prefix names (and the Job and Pod names that hold a backup's) are
// replaced by keyed hashes in every file and file name, as whole words.
// A source that fails is a note; the bundle goes on.
package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Options of a bundle.
type Options struct {
	Format string // FormatZip or FormatDir
	Path   string // the final path; must not exist
	// RedactNames hides namespace, backup, bucket and prefix names.
	RedactNames bool
	// LimitBytes bounds each log read (--limit-bytes).
	LimitBytes int64
	// MaxBytes bounds what all the logs of the bundle add up to; past it
	// the remaining logs are left out, each with a note.
	MaxBytes int64
}

// Bundle is one bundle being written. Its methods are not safe for
// concurrent use, except Note.
type Bundle struct {
	o     Options
	arc   archive
	namer *Namer // nil unless RedactNames
	// written counts the bytes of every file so far (before compression).
	written int64
	// logBytes counts the bytes of logs read, for MaxBytes.
	logBytes int64

	mu      sync.Mutex
	notes   []note
	secrets map[secretKey]*SecretRef
	backups []string // the folders written, in order
}

// Create starts a bundle at a temporary name beside o.Path.
func Create(o Options) (*Bundle, error) {
	b := &Bundle{o: o, secrets: map[secretKey]*SecretRef{}}
	if o.RedactNames {
		n, err := NewNamer()
		if err != nil {
			return nil, err
		}
		b.namer = n
	}
	arc, err := openArchive(o.Format, o.Path)
	if err != nil {
		return nil, err
	}
	b.arc = arc
	return b, nil
}

// Namer is the bundle's (nil without --redact-names).
func (b *Bundle) Namer() *Namer { return b.namer }

// Temp is where the partial bundle is until Commit.
func (b *Bundle) Temp() string { return b.arc.temp() }

// Note records a source that failed (or was left out), one line.
func (b *Bundle) Note(format string, a ...any) {
	n := note{format: format, args: make([]any, len(a))}
	for i, v := range a {
		// Text arguments are kept as text: their names are replaced when
		// the notes are written, once every name is known; the note's
		// own words are never replaced.
		switch v := v.(type) {
		case error:
			n.args[i] = v.Error()
		case fmt.Stringer:
			n.args[i] = v.String()
		default:
			n.args[i] = v
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.notes = append(b.notes, n)
}

// note is one note before its names are replaced.
type note struct {
	format string
	args   []any
}

// line is the note as written: names replaced, redacted, one line.
func (n note) line(namer *Namer) string {
	args := append([]any(nil), n.args...)
	for i, v := range args {
		if s, ok := v.(string); ok {
			args[i] = namer.Replace(s)
		}
	}
	return text.OneLine(text.Redact(fmt.Sprintf(n.format, args...)))
}

// noteLines are the notes as written.
func (b *Bundle) noteLines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, len(b.notes))
	for i, n := range b.notes {
		out[i] = n.line(b.namer)
	}
	return out
}

// Notes is how many notes the bundle has so far.
func (b *Bundle) Notes() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.notes)
}

// Backups is how many backup folders were written.
func (b *Bundle) Backups() int { return len(b.backups) }

// Abort removes the partial bundle.
func (b *Bundle) Abort() error { return b.arc.abort() }

// writeFile writes one whole file, names replaced.
func (b *Bundle) writeFile(name string, data []byte) error {
	if b.namer != nil {
		data = []byte(b.namer.Replace(string(data)))
	}
	return b.writeRaw(name, data)
}

// writeRaw writes a file of the bundle's own text, whose names (the
// folders) are hashed already: replacing names in it again would also
// replace its own words when a bucket is called "backups".
func (b *Bundle) writeRaw(name string, data []byte) error {
	w, err := b.arc.create(name)
	if err != nil {
		return err
	}
	n, err := w.Write(data)
	b.written += int64(n)
	return err
}

// writeKinded writes an output kind as YAML or JSON through pkg/output,
// which redacts and escapes every string. Names are replaced in its
// values only, never in its keys, types or images.
func (b *Bundle) writeKinded(name, format string, obj output.Kinded) error {
	if b.namer != nil {
		data, err := json.Marshal(obj)
		if err != nil {
			return err
		}
		if data, err = b.namer.ReplaceJSON(data); err != nil {
			return err
		}
		v, k := obj.OutputKind()
		obj = namedKinded{apiVersion: v, kind: k, data: data}
	}
	var buf bytes.Buffer
	if err := output.Print(&buf, format, obj); err != nil {
		return err
	}
	return b.writeRaw(name, buf.Bytes())
}

// writeText writes a file drawn by fn (a renderer).
func (b *Bundle) writeText(name string, fn func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := fn(&buf); err != nil {
		return err
	}
	return b.writeFile(name, buf.Bytes())
}

// dir is a backup's folder: backups/NAMESPACE/NAME, names hidden with a Namer.
func (b *Bundle) dir(ns, name string) string {
	return path.Join("backups", safeSegment(b.namer.Name(NameNamespace, ns)), safeSegment(b.namer.Name(NameBackup, name)))
}

// safeSegment makes a name from the cluster one safe path segment.
// Kubernetes names are DNS labels or subdomains, so this only matters
// for what the API server would never return.
func safeSegment(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < ' ' || r == 0x7f {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		return "_" + s
	}
	return s
}

// Commit writes the bundle-wide files and gives the bundle its name.
// After an error nothing is left under Options.Path.
func (b *Bundle) Commit(v *Versions, interrupted bool) error {
	err := b.writeCommon(v, interrupted)
	if err != nil {
		b.arc.abort()
		return fmt.Errorf("cannot write %s: %v", b.o.Path, err)
	}
	return b.arc.commit()
}

func (b *Bundle) writeCommon(v *Versions, interrupted bool) error {
	if v != nil {
		if err := b.writeKinded("versions.yaml", output.YAML, v); err != nil {
			return err
		}
	}
	if err := b.writeKinded("secrets.yaml", output.YAML, b.secretList()); err != nil {
		return err
	}
	notes := b.noteLines()
	if interrupted {
		notes = append([]string{"INTERRUPTED: the bundle is partial; the backups and sources not read are missing"}, notes...)
	}
	var nb strings.Builder
	if len(notes) == 0 {
		nb.WriteString("no source failed: everything the bundle lists was read\n")
	}
	for _, n := range notes {
		nb.WriteString(n + "\n")
	}
	if err := b.writeRaw("notes.txt", []byte(nb.String())); err != nil {
		return err
	}
	return b.writeRaw("README.md", []byte(readme(b.o, b.backups, len(notes))))
}

// sortedNotes is for tests.
func (b *Bundle) sortedNotes() []string {
	out := b.noteLines()
	sort.Strings(out)
	return out
}
