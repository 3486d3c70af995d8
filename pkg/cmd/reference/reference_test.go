package reference

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd"
)

const repoRoot = "../../.."

// The checked-in reference is what `make docs` writes from today's
// commands. `make test` fails here when a command, flag or help text
// changed without it.
func TestReferenceIsUpToDate(t *testing.T) {
	home, _ := os.UserHomeDir()
	want, err := Markdown(cmd.NewRootCmd(genericiooptions.IOStreams{In: os.Stdin, Out: io.Discard, ErrOut: io.Discard}), home)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(repoRoot, File))
	if err != nil {
		t.Fatalf("%s: %v; run `make docs`", File, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date with the commands' help: run `make docs` and commit it", File)
	}
}

// Every schema link points at a heading that exists.
func TestSchemaLinksResolve(t *testing.T) {
	heading := regexp.MustCompile(`(?m)^#+ (.*)$`)
	for path, link := range Schemas() {
		file, frag, _ := strings.Cut(link, "#")
		if file == "" {
			file = filepath.Base(File)
		}
		data, err := os.ReadFile(filepath.Join(repoRoot, "docs", file))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		found := false
		for _, m := range heading.FindAllStringSubmatch(string(data), -1) {
			if anchor(m[1]) == frag {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no heading for #%s in docs/%s", path, frag, file)
		}
	}
}

func TestAnchor(t *testing.T) {
	for in, want := range map[string]string{
		"kubectl logbackup exporter manifests": "kubectl-logbackup-exporter-manifests",
		"`BackupEventList` and `BackupEvent`":  "backupeventlist-and-backupevent",
		"reset-retries":                        "reset-retries",
	} {
		if got := anchor(in); got != want {
			t.Errorf("anchor(%q) = %q, want %q", in, got, want)
		}
	}
}
