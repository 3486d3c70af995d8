// Package cmdtest holds what the verbs' tests share. Only tests import it.
package cmdtest

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// FlagCases name command lines and the error their flags must give (""
// when they are valid). An alias of an unnamed type, so cases are written
// {args, want} without field names.
type FlagCases = map[string]struct {
	Args []string
	Want string
}

// CheckFlags parses each case's flags on a new command: every value is
// checked while it is parsed, so a bad one fails with its one line.
func CheckFlags(t *testing.T, newCmd func(*genericclioptions.ConfigFlags, genericiooptions.IOStreams) *cobra.Command, cases FlagCases) {
	t.Helper()
	for name, c := range cases {
		streams, _, _, _ := genericiooptions.NewTestIOStreams()
		err := newCmd(genericclioptions.NewConfigFlags(false), streams).ParseFlags(c.Args)
		switch {
		case c.Want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", name, err)
		case c.Want != "" && (err == nil || !strings.Contains(err.Error(), c.Want)):
			t.Errorf("%s: err = %v, want %q", name, err, c.Want)
		}
	}
}
