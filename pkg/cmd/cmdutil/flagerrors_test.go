package cmdutil

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestFlagErrorFunc(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"sub", "--count"}, "--count needs a value; see 'kubectl x sub --help'"},
		{[]string{"sub", "-c"}, "-c needs a value; see 'kubectl x sub --help'"},
		{[]string{"sub", "--count", "abc"}, `invalid --count "abc": must be a whole number; see 'kubectl x sub --help'`},
		{[]string{"sub", "--count", "99999999999999999999"}, `invalid --count "99999999999999999999": out of range; see 'kubectl x sub --help'`},
		{[]string{"sub", "--wait=maybe"}, `invalid --wait "maybe": must be true or false; see 'kubectl x sub --help'`},
		{[]string{"sub", "--ratio", "half"}, `invalid --ratio "half": must be a number; see 'kubectl x sub --help'`},
		{[]string{"sub", "--since", "yesterday"}, `invalid --since "yesterday": must be a duration such as 30s, 5m or 2h; see 'kubectl x sub --help'`},
		{[]string{"sub", "--color", "pink"}, `invalid --color "pink": must be one of red, green; see 'kubectl x sub --help'`},
		{[]string{"sub", "--nope"}, "unknown flag: --nope; see 'kubectl x sub --help'"},
		{[]string{"sub", "--tail", "0"}, `invalid --tail "0": must be a whole number from 1 to 100; see 'kubectl x sub --help'`},
		{[]string{"sub", "--tail", "99999999999999999999"}, `invalid --tail "99999999999999999999": must be a whole number from 1 to 100; see 'kubectl x sub --help'`},
		{[]string{"sub", "--lag", "-1s"}, `invalid --lag "-1s": must be a duration from 0s to 1h0m0s, such as 30s, 5m or 2h; see 'kubectl x sub --help'`},
		{[]string{"sub", "--lag", "soon"}, `invalid --lag "soon": must be a duration from 0s to 1h0m0s, such as 30s, 5m or 2h; see 'kubectl x sub --help'`},
		{[]string{"sub", "--mode", "loud"}, `invalid --mode "loud": must be one of quiet, verbose; see 'kubectl x sub --help'`},
	}
	for _, c := range cases {
		root := &cobra.Command{Use: "x", Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl x"}, SilenceErrors: true, SilenceUsage: true}
		root.SetFlagErrorFunc(FlagErrorFunc)
		root.SetOut(io.Discard)
		sub := &cobra.Command{Use: "sub", RunE: func(*cobra.Command, []string) error { return nil }}
		sub.Flags().IntP("count", "c", 1, "")
		sub.Flags().Var(&color{}, "color", "")
		sub.Flags().Bool("wait", false, "")
		sub.Flags().Float64("ratio", 0, "")
		sub.Flags().Duration("since", time.Minute, "")
		var tail int64 = 20
		var lag time.Duration
		AddInt64Range(sub, &tail, "tail", 1, 100, "")
		AddDurationRange(sub, &lag, "lag", 0, time.Hour, "")
		AddEnum(sub, "mode", "", "quiet", "", "quiet", "verbose")
		root.AddCommand(sub)
		root.SetArgs(c.args)
		err := root.Execute()
		if err == nil || err.Error() != c.want {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
		// The restated error keeps pflag's for callers that inspect it.
		var ve *pflag.ValueRequiredError
		var ie *pflag.InvalidValueError
		var ne *pflag.NotExistError
		if err != nil && !errors.As(err, &ve) && !errors.As(err, &ie) && !errors.As(err, &ne) {
			t.Errorf("%v: pflag's error is lost: %#v", c.args, err)
		}
	}
}

// color is a flag that explains its own bad values, as the monitoring
// command's enum flags do.
type color struct{ v string }

func (c *color) String() string { return c.v }
func (c *color) Type() string   { return "string" }
func (c *color) Set(v string) error {
	if v != "red" && v != "green" {
		return errors.New("must be one of red, green")
	}
	c.v = v
	return nil
}
