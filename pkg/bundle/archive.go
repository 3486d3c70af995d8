package bundle

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Formats of a bundle (-o).
const (
	FormatZip = "zip"
	FormatDir = "dir"
)

// archive is where a bundle's files go: one zip file or a folder, both
// written under a temporary name beside the final one and renamed to it
// by commit, so an interrupted or failed run never leaves a half bundle
// under the name asked for. Files are written one at a time.
type archive interface {
	// create starts the file at name (slash-separated, relative); the
	// writer is valid until the next create or commit.
	create(name string) (io.Writer, error)
	// commit finishes the bundle and gives it its final name.
	commit() error
	// abort removes everything written.
	abort() error
	// temp is where the partial bundle is while it is written.
	temp() string
}

// ErrExists: the output path is taken; a bundle never replaces anything.
type ErrExists struct{ Path string }

func (e *ErrExists) Error() string {
	return fmt.Sprintf("%s already exists; give another --output-file (a bundle never replaces a file)", e.Path)
}

// CheckFree tells whether dest can be a new bundle: it must not exist.
func CheckFree(dest string) error {
	if _, err := os.Lstat(dest); err == nil {
		return &ErrExists{Path: dest}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot use --output-file %s: %v", dest, err)
	}
	return nil
}

// openArchive starts a bundle that commit will move to dest.
func openArchive(format, dest string) (archive, error) {
	if err := CheckFree(dest); err != nil {
		return nil, err
	}
	dir, base := filepath.Split(dest)
	if dir == "" {
		dir = "."
	}
	pattern := "." + base + ".partial-*"
	switch format {
	case FormatZip:
		f, err := os.CreateTemp(dir, pattern)
		if err != nil {
			return nil, fmt.Errorf("cannot write the bundle beside %s: %v", dest, unwrapPath(err))
		}
		return &zipArchive{f: f, zw: zip.NewWriter(f), dest: dest}, nil
	case FormatDir:
		d, err := os.MkdirTemp(dir, pattern)
		if err != nil {
			return nil, fmt.Errorf("cannot write the bundle beside %s: %v", dest, unwrapPath(err))
		}
		return &dirArchive{dir: d, dest: dest}, nil
	}
	return nil, fmt.Errorf("unknown bundle format %q: use %s or %s", format, FormatZip, FormatDir)
}

// unwrapPath drops the *PathError's own path (the temporary name, which
// means nothing to the user) and keeps the cause.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkName refuses a name that could leave the bundle.
func checkName(name string) error {
	if name == "" || path.IsAbs(name) || strings.Contains(name, "\\") || path.Clean(name) != name || strings.HasPrefix(name, "../") || name == ".." {
		return fmt.Errorf("bad file name in bundle: %q", name)
	}
	return nil
}

type zipArchive struct {
	f    *os.File
	zw   *zip.Writer
	dest string
}

func (z *zipArchive) temp() string { return z.f.Name() }

func (z *zipArchive) create(name string) (io.Writer, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	return z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now().UTC()})
}

func (z *zipArchive) commit() error {
	err := z.zw.Close()
	if err == nil {
		err = z.f.Sync()
	}
	if cerr := z.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(z.f.Name())
		return fmt.Errorf("cannot write %s: %v", z.dest, unwrapPath(err))
	}
	// A hard link fails when dest appeared meanwhile, where a rename
	// would silently replace it.
	err = os.Link(z.f.Name(), z.dest)
	switch {
	case err == nil:
		return os.Remove(z.f.Name())
	case errors.Is(err, os.ErrExist):
		os.Remove(z.f.Name())
		return &ErrExists{Path: z.dest}
	}
	// A file system without hard links: check, then rename.
	if err := CheckFree(z.dest); err != nil {
		os.Remove(z.f.Name())
		return err
	}
	if err := os.Rename(z.f.Name(), z.dest); err != nil {
		os.Remove(z.f.Name())
		return fmt.Errorf("cannot write %s: %v", z.dest, unwrapPath(err))
	}
	return nil
}

func (z *zipArchive) abort() error {
	z.zw.Close()
	z.f.Close()
	return os.Remove(z.f.Name())
}

type dirArchive struct {
	dir  string
	dest string
	cur  *os.File
}

func (d *dirArchive) temp() string { return d.dir }

func (d *dirArchive) create(name string) (io.Writer, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := d.closeCurrent(); err != nil {
		return nil, err
	}
	p := filepath.Join(d.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	d.cur = f
	return f, nil
}

func (d *dirArchive) closeCurrent() error {
	if d.cur == nil {
		return nil
	}
	err := d.cur.Close()
	d.cur = nil
	return err
}

func (d *dirArchive) commit() error {
	if err := d.closeCurrent(); err != nil {
		os.RemoveAll(d.dir)
		return fmt.Errorf("cannot write %s: %v", d.dest, unwrapPath(err))
	}
	if err := CheckFree(d.dest); err != nil {
		os.RemoveAll(d.dir)
		return err
	}
	if err := os.Rename(d.dir, d.dest); err != nil {
		os.RemoveAll(d.dir)
		return fmt.Errorf("cannot write %s: %v", d.dest, unwrapPath(err))
	}
	return nil
}

func (d *dirArchive) abort() error {
	d.closeCurrent()
	return os.RemoveAll(d.dir)
}
