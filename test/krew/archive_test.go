package krew

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"
)

// platforms are the release's, as krew names them (os, arch).
var platforms = [][2]string{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// archiveName is .goreleaser.yaml's name_template with its format.
func archiveName(tag, goos, goarch string) string {
	ext := ".tar.gz"
	if goos == "windows" {
		ext = ".zip"
	}
	return fmt.Sprintf("kubectl-logbackup_%s_%s_%s%s", tag, goos, goarch, ext)
}

// wantFiles is what every archive holds, at its top: the binary, LICENSE
// and the completion script kubectl runs.
func wantFiles(goos string) []string {
	if goos == "windows" {
		return []string{"LICENSE", "kubectl-logbackup.exe", "kubectl_complete-logbackup.cmd"}
	}
	return []string{"LICENSE", "kubectl-logbackup", "kubectl_complete-logbackup"}
}

// entry is one file of an archive.
type entry struct {
	name string
	mode os.FileMode
}

// listArchive reads the names and modes of a tar.gz or zip.
func listArchive(t *testing.T, path string) []entry {
	t.Helper()
	var out []entry
	if filepath.Ext(path) == ".zip" {
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		for _, f := range z.File {
			out = append(out, entry{f.Name, f.Mode()})
		}
		return out
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, entry{h.Name, h.FileInfo().Mode()})
	}
}

// checkArchive: exactly the wanted files, at the top, the programs
// executable (tar only: zip modes mean nothing on Windows).
func checkArchive(t *testing.T, path, goos string) {
	t.Helper()
	var names []string
	for _, e := range listArchive(t, path) {
		names = append(names, e.name)
		if goos != "windows" && e.name != "LICENSE" && e.mode&0o111 == 0 {
			t.Errorf("%s: %s is not executable (%v)", filepath.Base(path), e.name, e.mode)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, wantFiles(goos)) {
		t.Errorf("%s holds %q, want %q", filepath.Base(path), names, wantFiles(goos))
	}
}

// packHost writes the host's archive as goreleaser would: the plugin
// binary, LICENSE and the completion script, at the top, in a tar.gz.
func packHost(t *testing.T, dir, tag, bin string) string {
	t.Helper()
	goos, goarch := host()
	if goos == "windows" {
		t.Fatal("the krew test packs tar.gz archives; it runs on Linux and macOS")
	}
	path := filepath.Join(dir, archiveName(tag, goos, goarch))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for name, src := range map[string]string{
		"kubectl-logbackup":          bin,
		"LICENSE":                    filepath.Join(repoRoot, "LICENSE"),
		"kubectl_complete-logbackup": filepath.Join(repoRoot, "completion", "kubectl_complete-logbackup"),
	} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		mode := int64(0o755)
		if name == "LICENSE" {
			mode = 0o644
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []io.Closer{tw, gz, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// The archives packHost writes for `make test` and those goreleaser
// builds must not drift apart: .goreleaser.yaml names the same files, the
// same name and the same formats.
func TestGoreleaserArchivesMatchTheTest(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Builds []struct {
			Goos   []string `json:"goos"`
			Goarch []string `json:"goarch"`
		} `json:"builds"`
		Archives []struct {
			NameTemplate    string   `json:"name_template"`
			Formats         []string `json:"formats"`
			WrapInDirectory any      `json:"wrap_in_directory"`
			FormatOverrides []struct {
				Goos    string   `json:"goos"`
				Formats []string `json:"formats"`
			} `json:"format_overrides"`
			Files []struct {
				Src         string `json:"src"`
				StripParent bool   `json:"strip_parent"`
			} `json:"files"`
		} `json:"archives"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Builds) != 1 || len(cfg.Archives) != 1 {
		t.Fatalf("want one build and one archive in .goreleaser.yaml, got %d and %d", len(cfg.Builds), len(cfg.Archives))
	}
	var got [][2]string
	for _, o := range cfg.Builds[0].Goos {
		for _, a := range cfg.Builds[0].Goarch {
			got = append(got, [2]string{o, a})
		}
	}
	for _, p := range platforms {
		if !slices.Contains(got, p) {
			t.Errorf(".goreleaser.yaml does not build %s/%s", p[0], p[1])
		}
	}
	a := cfg.Archives[0]
	if a.NameTemplate != "{{ .ProjectName }}_v{{ .Version }}_{{ .Os }}_{{ .Arch }}" {
		t.Errorf("archive name_template %q: archiveName and krew-manifest.yaml expect kubectl-logbackup_vVERSION_OS_ARCH", a.NameTemplate)
	}
	if !slices.Equal(a.Formats, []string{"tar.gz"}) || len(a.FormatOverrides) != 1 || a.FormatOverrides[0].Goos != "windows" ||
		!slices.Equal(a.FormatOverrides[0].Formats, []string{"zip"}) || a.WrapInDirectory != false {
		t.Errorf("archive formats %+v: want tar.gz, zip on windows, not wrapped in a directory", a)
	}
	want := []string{"LICENSE", `completion/kubectl_complete-logbackup{{ if eq .Os "windows" }}.cmd{{ end }}`}
	var srcs []string
	for _, f := range a.Files {
		srcs = append(srcs, f.Src)
		if f.Src != "LICENSE" && !f.StripParent {
			t.Errorf("%s is not at the archive's top (strip_parent)", f.Src)
		}
	}
	if !slices.Equal(srcs, want) {
		t.Errorf("archive files %q, want %q", srcs, want)
	}
}

// releaseDist is goreleaser's dist/ of `make release-snapshot`, its tag
// and archives; "" under `make test`.
func releaseDist(t *testing.T) (dir, tag string) {
	t.Helper()
	dir = os.Getenv("LOGBACKUP_RELEASE_DIST")
	if dir == "" {
		return "", ""
	}
	data, err := os.ReadFile(filepath.Join(dir, "metadata.json"))
	if err != nil {
		t.Fatalf("LOGBACKUP_RELEASE_DIST: %v", err)
	}
	var md struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &md); err != nil {
		t.Fatal(err)
	}
	return dir, "v" + md.Version
}
