package resetretries

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// The server does not exist: Complete and Validate must not need it.
const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: ctx-ns}}]
current-context: x
`

func newTestOptions(t *testing.T, namespace string, terminal bool) *Options {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := genericclioptions.NewConfigFlags(true)
	flags.KubeConfig = &path
	flags.Namespace = &namespace
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(flags, streams)
	o.IsTerminal = func(io.Reader) bool { return terminal }
	return o
}

func TestCompleteAndValidate(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		ns       string
		terminal bool
		set      func(*Options)
		want     string // "" = valid
	}{
		{name: "one backup on a terminal", args: []string{"a/b"}, terminal: true},
		{name: "no terminal with --yes", args: []string{"a/b"}, set: func(o *Options) { o.Yes = true }},
		{name: "no terminal, client dry run", args: []string{"a/b"}, set: func(o *Options) { o.DryRun = DryRunClient }},
		{name: "no terminal, server dry run", args: []string{"a/b"}, set: func(o *Options) { o.DryRun = DryRunServer }},
		{name: "no terminal", args: []string{"a/b"}, want: "refusing to reset without confirmation: standard input is not a terminal"},
		{name: "no backup", terminal: true, want: "expected one or more backups as NAMESPACE/NAME or NAME, or --all; see 'reset-retries --help'"},
		{name: "names and --all", args: []string{"a/b"}, terminal: true, set: func(o *Options) { o.All = true }, want: "give either --all or backup names"},
		{name: "bad dry run", args: []string{"a/b"}, terminal: true, set: func(o *Options) { o.DryRun = "unchanged" }, want: `invalid --dry-run "unchanged"`},
		{name: "bad output", args: []string{"a/b"}, terminal: true, set: func(o *Options) { o.Output = "wide" }, want: `invalid --output "wide"`},
		{name: "bad group", args: []string{"a/b"}, terminal: true, set: func(o *Options) { o.APIGroup = "example.com" }, want: `invalid --api-group "example.com"`},
		{name: "malformed name", args: []string{"a/b", "a/B_"}, terminal: true, want: `invalid backup name "B_"`},
		{name: "contradicting -n", args: []string{"a/b"}, ns: "other", terminal: true, want: "contradicts -n other"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := newTestOptions(t, c.ns, c.terminal)
			if c.set != nil {
				c.set(o)
			}
			err := o.Complete(c.args)
			if err == nil {
				err = o.Validate(NewCmd(genericclioptions.NewConfigFlags(true), genericiooptions.IOStreams{}))
			}
			switch {
			case c.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestCompleteResolvesNamesOnce(t *testing.T) {
	o := newTestOptions(t, "", true)
	if err := o.Complete([]string{"b", "ctx-ns/b", "other/c"}); err != nil {
		t.Fatal(err)
	}
	want := []backup.Ref{{Namespace: "ctx-ns", Name: "b"}, {Namespace: "other", Name: "c"}}
	if len(o.refs) != 2 || o.refs[0] != want[0] || o.refs[1] != want[1] {
		t.Errorf("refs %v", o.refs)
	}
	if o.namespace != "ctx-ns" {
		t.Errorf("--all scope %q", o.namespace)
	}
}
