package monitoringtest

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/monitoring"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd"
)

// checkCommandRefs fails on every "kubectl logbackup WORD" in text (also
// across a line break) whose WORD is not a subcommand of the plugin's own
// command tree. It keeps users from being sent to a command that does not
// exist.
func checkCommandRefs(t *testing.T, what, text string) {
	t.Helper()
	commands := map[string]bool{}
	for _, c := range cmd.NewRootCmd(genericiooptions.NewTestIOStreamsDiscard()).Commands() {
		commands[c.Name()] = true
	}
	ref := regexp.MustCompile(`kubectl\s+logbackup\s+([\w-]+)`)
	for _, m := range ref.FindAllStringSubmatch(text, -1) {
		if !commands[m[1]] {
			t.Errorf("%s refers to %q: kubectl logbackup has no subcommand %q", what, m[0], m[1])
		}
	}
}

// checkJSONCommandRefs runs checkCommandRefs on every string of a JSON
// document, after decoding (so an escaped line break is a line break).
func checkJSONCommandRefs(t *testing.T, what string, data []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			checkCommandRefs(t, what, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
}

// TestOutputsNameOnlyExistingCommands checks everything that "kubectl
// logbackup monitoring" prints, and every non-Go file under monitoring/ (the
// embedded sources and the test data), for references to subcommands that
// do not exist.
func TestOutputsNameOnlyExistingCommands(t *testing.T) {
	for _, p := range monitoring.Profiles() {
		for _, f := range monitoring.Formats() {
			checkCommandRefs(t, "rules --profile "+p+" --format "+f, string(plugin(t, "rules", "--profile", p, "--format", f)))
		}
	}
	all := plugin(t, "dashboards")
	checkCommandRefs(t, "dashboards", string(all))
	checkJSONCommandRefs(t, "dashboards", all)
	for _, n := range monitoring.DashboardNames() {
		b := plugin(t, "dashboards", "--dashboard", n)
		checkCommandRefs(t, "dashboards --dashboard "+n, string(b))
		checkJSONCommandRefs(t, "dashboards --dashboard "+n, b)
	}
	for _, part := range monitoring.AlertmanagerParts() {
		checkCommandRefs(t, "alertmanager --file "+part, string(plugin(t, "alertmanager", "--file", part)))
	}

	n := 0
	err := filepath.WalkDir(sourceDir(t), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		checkCommandRefs(t, path, string(b))
		if strings.HasSuffix(path, ".json") {
			checkJSONCommandRefs(t, path, b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Errorf("scanned only %d files under %s", n, sourceDir(t))
	}
}
