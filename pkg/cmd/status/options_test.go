package status

import (
	"testing"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdtest"
)

// Every flag is checked while it is parsed.
func TestFlags(t *testing.T) {
	cmdtest.CheckFlags(t, NewCmd, cmdtest.FlagCases{
		"defaults":       {nil, ""},
		"wide":           {[]string{"-o", "wide", "-A", "--failing"}, ""},
		"name":           {[]string{"-o", "name"}, ""},
		"output xml":     {[]string{"-o", "xml"}, "must be one of wide, json, yaml, name"},
		"lag banana":     {[]string{"--checkpoint-lag", "banana"}, "must be a duration from 0s to 8784h0m0s"},
		"negative lag":   {[]string{"--checkpoint-lag", "-1m"}, "must be a duration"},
		"unknown group":  {[]string{"--api-group", "x.io"}, "must be one of pingcap.com, br.pingcap.com"},
		"contexts":       {[]string{"--contexts", "a,b", "-w"}, ""},
		"all contexts":   {[]string{"--all-contexts"}, ""},
		"longest lag ok": {[]string{"--checkpoint-lag", "8784h"}, ""},
	})
}
