package bundle

import (
	"archive/zip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// dirEntries lists a folder's names.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestArchivesWriteUnderATempNameThenRename(t *testing.T) {
	for _, format := range []string{FormatZip, FormatDir} {
		t.Run(format, func(t *testing.T) {
			tmp := t.TempDir()
			dest := filepath.Join(tmp, "bundle")
			b, err := Create(Options{Format: format, Path: dest, LimitBytes: 100})
			if err != nil {
				t.Fatal(err)
			}
			if err := b.writeFile("a/b.txt", []byte("hello")); err != nil {
				t.Fatal(err)
			}
			// While it is written, nothing is under dest.
			if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("dest exists before commit: %v", err)
			}
			if !strings.HasPrefix(filepath.Base(b.Temp()), ".bundle.partial-") {
				t.Errorf("temp name %s", b.Temp())
			}
			b.Note("ns/x: events: %s", "forbidden: missing permission to list events")
			if err := b.Commit(nil, false); err != nil {
				t.Fatal(err)
			}
			if got := dirEntries(t, tmp); len(got) != 1 || got[0] != "bundle" {
				t.Errorf("left in the folder: %v", got)
			}
			files := readBundle(t, dest)
			if files["a/b.txt"] != "hello" || !strings.Contains(files["notes.txt"], "ns/x: events: forbidden") ||
				!strings.Contains(files["README.md"], "1 notes") || files["secrets.yaml"] == "" {
				t.Errorf("files: %v", files)
			}
		})
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	for _, format := range []string{FormatZip, FormatDir} {
		tmp := t.TempDir()
		b, err := Create(Options{Format: format, Path: filepath.Join(tmp, "bundle")})
		if err != nil {
			t.Fatal(err)
		}
		b.writeFile("x.txt", []byte("partial"))
		if err := b.Abort(); err != nil {
			t.Fatal(err)
		}
		if got := dirEntries(t, tmp); len(got) != 0 {
			t.Errorf("%s: left behind: %v", format, got)
		}
	}
}

func TestNeverReplaces(t *testing.T) {
	tmp := t.TempDir()
	dest := filepath.Join(tmp, "taken.zip")
	os.WriteFile(dest, []byte("keep"), 0o644)
	if _, err := Create(Options{Format: FormatZip, Path: dest}); err == nil || !strings.Contains(err.Error(), "give another --output-file") {
		t.Fatalf("err = %v", err)
	}
	// Taken while the bundle was written: commit refuses, removes its temp.
	dest2 := filepath.Join(tmp, "late.zip")
	b, err := Create(Options{Format: FormatZip, Path: dest2})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dest2, []byte("keep"), 0o644)
	if err := b.Commit(nil, false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("err = %v", err)
	}
	for _, p := range []string{dest, dest2} {
		if data, _ := os.ReadFile(p); string(data) != "keep" {
			t.Errorf("%s replaced", p)
		}
	}
	if got := dirEntries(t, tmp); len(got) != 2 {
		t.Errorf("left behind: %v", got)
	}
}

func TestBadEntryNames(t *testing.T) {
	for _, name := range []string{"", "/abs", "../up", "a/../../b", `a\b`, "a//b"} {
		if err := checkName(name); err == nil {
			t.Errorf("checkName(%q) passed", name)
		}
	}
	if safeSegment("..") == ".." || strings.Contains(safeSegment("a/b"), "/") {
		t.Error("safeSegment lets a path through")
	}
}

func TestCopyLinesBoundsAndFilters(t *testing.T) {
	long := strings.Repeat("a", MaxLineBytes+100)
	in := "password=SEKRIT\n" + long + "\nlast line without newline"
	var out strings.Builder
	res, err := copyLines(&out, strings.NewReader(in), text.Redact)
	if err != nil || res.readErr != nil {
		t.Fatal(err, res.readErr)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 || lines[0] != "password=xxxxx" || lines[2] != "last line without newline" {
		t.Fatalf("lines: %q", out.String()[:80])
	}
	if !strings.HasSuffix(lines[1], "… [100 bytes of this line left out]") || len(lines[1]) > MaxLineBytes+64 {
		t.Errorf("long line: %d bytes, ends %q", len(lines[1]), lines[1][len(lines[1])-40:])
	}
	if res.read != int64(len(in)) {
		t.Errorf("read %d of %d", res.read, len(in))
	}
	// A source that fails midway: what came is kept, the failure said.
	res, _ = copyLines(io.Discard, iotest.TimeoutReader(strings.NewReader(strings.Repeat("x\n", 40000))), text.Redact)
	if res.readErr == nil {
		t.Error("a failing source was not reported")
	}
}

func readBundle(t *testing.T, p string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		filepath.WalkDir(p, func(f string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(p, f)
				data, _ := os.ReadFile(f)
				out[filepath.ToSlash(rel)] = string(data)
			}
			return err
		})
		return out
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(data)
	}
	return out
}
