package reportcmd

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdtest"
)

// Every flag has a range, checked while the flags are parsed.
func TestFlagRanges(t *testing.T) {
	cmdtest.CheckFlags(t, NewCmd, cmdtest.FlagCases{
		"defaults":                 {nil, ""},
		"dir":                      {[]string{"-o", "dir"}, ""},
		"json is no bundle format": {[]string{"-o", "json"}, "must be one of zip, dir"},
		"limit 0":                  {[]string{"--limit-bytes", "0"}, "must be a whole number from 1 to 1073741824"},
		"huge limit":               {[]string{"--limit-bytes", "99999999999999"}, "must be a whole number from 1 to 1073741824"},
		"tiny max-bytes":           {[]string{"--max-bytes", "10"}, "must be a whole number from 1048576 to 68719476736"},
		"max-backups 0":            {[]string{"--max-backups", "0"}, "must be a whole number from 1 to 10000"},
		"negative since":           {[]string{"--since", "-1h"}, "must be a duration from 0s to 8784h0m0s"},
		"huge controller":          {[]string{"--controller-tail", "2000000000"}, "must be a whole number from 0 to 10000"},
		"largest values pass": {[]string{"--limit-bytes", "1073741824", "--max-bytes", "68719476736", "--max-backups", "10000",
			"--since", "8784h", "--controller-tail", "10000"}, ""},
	})
}

func TestValidateRefusesATakenPath(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(genericclioptions.NewConfigFlags(false), streams)
	o.OutputFile = t.TempDir() // exists
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "give another --output-file") {
		t.Errorf("err = %v", err)
	}
	o.OutputFile, o.ControllerSelector = "new.zip", "a==b=c"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "invalid --controller-selector") {
		t.Errorf("err = %v", err)
	}
}

func TestHelpNamesThePluginAndTheFormats(t *testing.T) {
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	cmd := NewCmd(genericclioptions.NewConfigFlags(false), streams)
	cmd.SetOut(out)
	cmd.SetArgs([]string{"--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubectl logbackup report tidb-cluster/nightly", "--redact-names", "-o picks the bundle's format"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
}

func TestMoreThanOneBackupIsRefused(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	cmd := NewCmd(genericclioptions.NewConfigFlags(false), streams)
	if err := cmd.Args(cmd, []string{"a", "b"}); err == nil || !strings.Contains(err.Error(), "at most one backup") {
		t.Errorf("err = %v", err)
	}
}
