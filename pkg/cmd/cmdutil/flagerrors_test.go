package cmdutil

import (
	"io"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func TestFlagError(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"sub", "--count"}, "--count needs a value; see 'kubectl x sub --help'"},
		{[]string{"sub", "--count", "abc"}, `invalid --count "abc": want a whole number; see 'kubectl x sub --help'`},
		{[]string{"sub", "--count", "99999999999999999999"}, `invalid --count "99999999999999999999": the number is out of range; see 'kubectl x sub --help'`},
		{[]string{"sub", "--wait=maybe"}, `invalid --wait "maybe": want true or false; see 'kubectl x sub --help'`},
		{[]string{"sub", "--ratio", "half"}, `invalid --ratio "half": want a number; see 'kubectl x sub --help'`},
		{[]string{"sub", "--since", "yesterday"}, `invalid --since "yesterday": want a duration such as 90s, 5m or 2h; see 'kubectl x sub --help'`},
		{[]string{"sub", "--nope"}, "unknown flag: --nope; see 'kubectl x sub --help'"},
	}
	for _, c := range cases {
		root := &cobra.Command{Use: "x", Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl x"}, SilenceErrors: true, SilenceUsage: true}
		root.SetFlagErrorFunc(FlagError)
		root.SetOut(io.Discard)
		sub := &cobra.Command{Use: "sub", RunE: func(*cobra.Command, []string) error { return nil }}
		sub.Flags().Int("count", 1, "")
		sub.Flags().Bool("wait", false, "")
		sub.Flags().Float64("ratio", 0, "")
		sub.Flags().Duration("since", time.Minute, "")
		root.AddCommand(sub)
		root.SetArgs(c.args)
		err := root.Execute()
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
}
