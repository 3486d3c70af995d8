package investigate

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func TestValidate(t *testing.T) {
	cases := map[string]struct {
		edit func(*Options)
		want string
	}{
		"defaults":       {func(*Options) {}, ""},
		"v2 group":       {func(o *Options) { o.APIGroup = "br.pingcap.com" }, ""},
		"unknown group":  {func(o *Options) { o.APIGroup = "pingcap.io" }, `invalid --api-group "pingcap.io": use pingcap.com or br.pingcap.com`},
		"tail 0":         {func(o *Options) { o.Tail = 0 }, "invalid --tail 0"},
		"negative since": {func(o *Options) { o.Since = -1 }, "invalid --since"},
		"limit 0":        {func(o *Options) { o.LimitBytes = 0 }, "invalid --limit-bytes 0"},
		"output xml":     {func(o *Options) { *o.PrintFlags.OutputFormat = "xml" }, `invalid --output "xml"`},
		"output yaml":    {func(o *Options) { *o.PrintFlags.OutputFormat = "yaml" }, ""},
	}
	for name, c := range cases {
		streams, _, _, _ := genericiooptions.NewTestIOStreams()
		o := NewOptions(genericclioptions.NewConfigFlags(false), streams)
		c.edit(o)
		err := o.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: err = %v, want %q", name, err, c.want)
		}
	}
}

func TestHelpNamesThePlugin(t *testing.T) {
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	cmd := NewCmd(genericclioptions.NewConfigFlags(false), streams)
	cmd.SetOut(out)
	cmd.SetArgs([]string{"--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "kubectl logbackup investigate tidb-cluster/nightly") {
		t.Errorf("help:\n%s", out.String())
	}
}
