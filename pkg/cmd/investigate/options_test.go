package investigate

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdtest"
)

// Every flag has a range, checked while the flags are parsed: a huge
// value fails with one line instead of a panic or an out-of-memory crash.
func TestFlagRanges(t *testing.T) {
	cmdtest.CheckFlags(t, NewCmd, cmdtest.FlagCases{
		"defaults":            {nil, ""},
		"v2 group":            {[]string{"--api-group", "br.pingcap.com"}, ""},
		"unknown group":       {[]string{"--api-group", "pingcap.io"}, `invalid argument "pingcap.io" for "--api-group" flag: must be one of pingcap.com, br.pingcap.com`},
		"tail 0":              {[]string{"--tail", "0"}, "must be a whole number from 1 to 10000"},
		"huge tail":           {[]string{"--tail", "9223372036854775807"}, "must be a whole number from 1 to 10000"},
		"huge controller":     {[]string{"--controller-tail", "2000000000"}, "must be a whole number from 0 to 10000"},
		"negative since":      {[]string{"--since", "-1h"}, "must be a duration from 0s to 8784h0m0s"},
		"negative lag":        {[]string{"--checkpoint-lag", "-5m"}, "must be a duration from 0s to 8784h0m0s"},
		"limit 0":             {[]string{"--limit-bytes", "0"}, "must be a whole number from 1 to 1073741824"},
		"huge limit":          {[]string{"--limit-bytes", "99999999999999"}, "must be a whole number from 1 to 1073741824"},
		"output xml":          {[]string{"-o", "xml"}, "must be one of json, yaml"},
		"output yaml":         {[]string{"-o", "yaml"}, ""},
		"timeline":            {[]string{"--timeline", "-o", "json"}, ""},
		"timeline not a bool": {[]string{"--timeline=maybe"}, `invalid argument "maybe" for "--timeline" flag`},
		"largest values pass": {[]string{"--tail", "10000", "--controller-tail", "10000", "--since", "8784h", "--limit-bytes", "1073741824"}, ""},
	})
}

func TestValidateChecksSelectorsAndNamespaces(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(genericclioptions.NewConfigFlags(false), streams)
	o.ControllerSelector = "a==b=c"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "invalid --controller-selector") {
		t.Errorf("err = %v", err)
	}
	o.ControllerSelector, o.ControllerNamespace = "", "Bad_NS"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "invalid --controller-namespace") {
		t.Errorf("err = %v", err)
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
