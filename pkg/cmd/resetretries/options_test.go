package resetretries

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
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
		name string
		args []string // arguments and flags, as typed
		ns   string
		want string // "" = valid
	}{
		{name: "one backup", args: []string{"a/b"}},
		{name: "with --yes", args: []string{"a/b", "--yes"}},
		{name: "client dry run", args: []string{"a/b", "--dry-run=client"}},
		{name: "server dry run", args: []string{"a/b", "--dry-run", "server"}},
		{name: "no backup", want: "expected one or more backups as NAMESPACE/NAME or NAME, or --all; see 'reset-retries --help'"},
		{name: "names and --all", args: []string{"a/b", "--all"}, want: "give either --all or backup names"},
		{name: "bad dry run", args: []string{"a/b", "--dry-run", "unchanged"}, want: `invalid argument "unchanged" for "--dry-run" flag: must be one of none, client, server`},
		{name: "bad output", args: []string{"a/b", "-o", "wide"}, want: `invalid argument "wide" for "-o, --output" flag: must be one of json, yaml`},
		{name: "bad group", args: []string{"a/b", "--api-group", "example.com"}, want: `invalid argument "example.com" for "--api-group" flag`},
		{name: "malformed name", args: []string{"a/b", "a/B_"}, want: `invalid backup name "B_"`},
		{name: "contradicting -n", args: []string{"a/b"}, ns: "other", want: "contradicts -n other"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := newTestOptions(t, c.ns, false)
			cmd := &cobra.Command{Use: "reset-retries"}
			o.AddFlags(cmd)
			err := cmd.ParseFlags(c.args)
			if err == nil {
				err = o.Complete(cmd.Flags().Args())
			}
			if err == nil {
				err = o.Validate(cmd)
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
