package monitoring

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/monitoring"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
)

// execute runs "kubectl logbackup monitoring ARGS" under a root command set up
// like pkg/cmd's (Use and display name "kubectl logbackup", silenced errors and
// usage), and returns stdout, stderr and the error. It fails the
// test if anything reaches the process' real standard output.
func execute(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	root := &cobra.Command{
		Use:           "kubectl logbackup",
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl logbackup"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(cmdutil.FlagErrorFunc) // as the real root does
	root.AddCommand(NewCmd(streams))
	root.SetArgs(append([]string{"monitoring"}, args...))

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	runErr := root.Execute()
	os.Stdout = stdout
	w.Close()
	leaked, _ := io.ReadAll(r)
	r.Close()
	if len(leaked) > 0 {
		t.Fatalf("monitoring %v wrote to os.Stdout: %q", args, leaked)
	}
	return out.String(), errOut.String(), runErr
}

func TestOutputIsTheRenderedBytes(t *testing.T) {
	check := func(args []string, want []byte, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		out, errOut, runErr := execute(t, args...)
		if runErr != nil || errOut != "" {
			t.Fatalf("%v: %v %q", args, runErr, errOut)
		}
		if !bytes.Equal([]byte(out), want) {
			t.Fatalf("%v: output differs from the rendered bytes", args)
		}
	}
	for _, p := range monitoring.Profiles() {
		for _, f := range monitoring.Formats() {
			want, err := monitoring.Rules(p, f)
			check([]string{"rules", "--profile", p, "--format", f}, want, err)
		}
	}
	want, err := monitoring.Rules(monitoring.DefaultProfile, monitoring.FormatRules)
	check([]string{"rules"}, want, err)
	want, err = monitoring.Rules("prod", monitoring.FormatRules)
	check([]string{"rules", "--profile=prod"}, want, err)

	want, err = monitoring.Dashboards()
	check([]string{"dashboards"}, want, err)
	for _, n := range monitoring.DashboardNames() {
		want, err := monitoring.Dashboard(n)
		check([]string{"dashboards", "--dashboard", n}, want, err)
	}

	want, err = monitoring.Alertmanager(monitoring.AlertmanagerConfig)
	check([]string{"alertmanager"}, want, err)
	for _, p := range monitoring.AlertmanagerParts() {
		want, err := monitoring.Alertmanager(p)
		check([]string{"alertmanager", "--file", p}, want, err)
	}
}

func TestBadValuesNameTheValidOnes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rules", "--profile", "staging"}, `invalid --profile "staging": must be one of dev, default, prod; see 'kubectl logbackup monitoring rules --help'`},
		{[]string{"rules", "--format", "yaml"}, `invalid --format "yaml": must be one of rules, prometheusrule; see 'kubectl logbackup monitoring rules --help'`},
		{[]string{"dashboards", "--dashboard", "overview"}, `invalid --dashboard "overview": must be one of log-backup-retry, log-backup-health; see 'kubectl logbackup monitoring dashboards --help'`},
		{[]string{"alertmanager", "--file", "secret"}, `invalid --file "secret": must be one of config, templates; see 'kubectl logbackup monitoring alertmanager --help'`},
		{[]string{"graphs"}, `unknown command "graphs" for "kubectl logbackup monitoring": must be one of rules, dashboards, alertmanager`},
		{[]string{"rules", "extra"}, `unknown command "extra" for "kubectl logbackup monitoring rules"`},
		{[]string{"dashboards", "--profile", "dev"}, `unknown flag: --profile; see 'kubectl logbackup monitoring dashboards --help'`},
	} {
		out, errOut, err := execute(t, tc.args...)
		if err == nil {
			t.Errorf("%v: no error", tc.args)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%v: error %q, want %q", tc.args, err, tc.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error is not one line: %q", tc.args, err)
		}
		if out != "" || errOut != "" {
			t.Errorf("%v: printed %q / %q besides the error", tc.args, out, errOut)
		}
	}
}

func TestHelpNamesThePlugin(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {}, {"rules", "--help"}, {"dashboards", "--help"}, {"alertmanager", "--help"}} {
		out, _, err := execute(t, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(out, "kubectl logbackup monitoring") {
			t.Errorf("%v: help does not say kubectl logbackup monitoring:\n%s", args, out)
		}
		if strings.Contains(out, "kubectl-logbackup monitoring") {
			t.Errorf("%v: help names the binary instead of the plugin:\n%s", args, out)
		}
	}
	out, _, _ := execute(t, "rules", "--help")
	if !strings.Contains(out, "Usage:\n  kubectl logbackup monitoring rules [--profile dev|default|prod] [--format rules|prometheusrule] [flags]") {
		t.Errorf("rules usage line:\n%s", out)
	}
	for _, want := range []string{"dev", "default", "prod", "prometheusrule", "kubectl logbackup investigate NAMESPACE/BACKUP", "0.05/s", "< 70%", "30m"} {
		if !strings.Contains(out, want) {
			t.Errorf("rules help lacks %q", want)
		}
	}
	out, _, _ = execute(t, "dashboards", "--help")
	for _, want := range []string{"JSON array", "--dashboard", "log-backup-retry", "log-backup-health", "datasource", "kubectl logbackup investigate NAMESPACE/NAME"} {
		if !strings.Contains(out, want) {
			t.Errorf("dashboards help lacks %q", want)
		}
	}
}

// TestHelpNamesOnlyExistingCommands reads the help of every command and
// subcommand and fails on any "kubectl logbackup WORD" whose WORD is not a
// subcommand of the plugin (such as the non-existent "events").
func TestHelpNamesOnlyExistingCommands(t *testing.T) {
	// The subcommands that kubectl logbackup has; help may send users only
	// to these.
	pluginCommands := map[string]bool{"investigate": true, "reset-retries": true, "monitoring": true, "exporter": true, "status": true}
	// "kubectl logbackup WORD", also across a line break.
	pluginCommandRef := regexp.MustCompile(`kubectl\s+logbackup\s+([\w-]+)`)
	var walk func(path []string, c *cobra.Command)
	checked := 0
	walk = func(path []string, c *cobra.Command) {
		out, _, err := execute(t, append(append([]string{}, path...), "--help")...)
		if err != nil {
			t.Fatalf("%v --help: %v", path, err)
		}
		checked++
		texts := map[string]string{"--help output": out, "Short": c.Short, "Long": c.Long, "Example": c.Example, "Use": c.Use}
		c.Flags().VisitAll(func(f *pflag.Flag) { texts["flag --"+f.Name] = f.Usage })
		for what, text := range texts {
			for _, m := range pluginCommandRef.FindAllStringSubmatch(text, -1) {
				if !pluginCommands[m[1]] {
					t.Errorf("monitoring %v %s refers to %q: kubectl logbackup has no subcommand %q", path, what, m[0], m[1])
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(append(append([]string{}, path...), sub.Name()), sub)
		}
	}
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	walk(nil, NewCmd(streams))
	if checked != 4 {
		t.Errorf("checked the help of %d commands, want 4 (monitoring and its rules, dashboards, alertmanager)", checked)
	}
	for _, bad := range []string{"kubectl logbackup events", "logbackup events"} {
		for _, args := range [][]string{{"--help"}, {"dashboards", "--help"}} {
			if out, _, _ := execute(t, args...); strings.Contains(out, bad) {
				t.Errorf("%v: help names %q", args, bad)
			}
		}
	}
}

// The help's threshold table must match the profiles.
func TestHelpThresholdTable(t *testing.T) {
	out, _, err := execute(t, "rules", "--help")
	if err != nil {
		t.Fatal(err)
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, name := range monitoring.Profiles() {
		p, err := monitoring.LookupProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{name, "> " + num(p.HighRetryRate) + "/s", "< " + num(p.LowSuccessRate*100) + "%", p.PersistentRetryFor,
			p.RPOWarning + " / " + p.RPOCritical, p.PausedFor}
		found := false
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) == 10 && f[0] == name {
				found = strings.Join(f, " ") == strings.Join(want, " ")
				if !found {
					t.Errorf("help line %q, want fields %q", l, want)
				}
			}
		}
		if !found {
			t.Errorf("no help line for profile %s", name)
		}
	}
}
