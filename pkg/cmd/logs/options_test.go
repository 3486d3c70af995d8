package logs

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdtest"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
	"github.com/logbackup/kubectl-logbackup/pkg/stream"
)

// logs and investigate cut lines alike (stream cannot import gather,
// which imports it for the line matcher).
func TestLineBoundsMatchInvestigate(t *testing.T) {
	if stream.MaxLineBytes != gather.MaxLineBytes || stream.MaxKeptBytes != gather.MaxKeptBytes || stream.MaxControllerPods != gather.MaxControllerPods {
		t.Error("stream's bounds differ from investigate's")
	}
}

func TestFlagRanges(t *testing.T) {
	cmdtest.CheckFlags(t, NewCmd, cmdtest.FlagCases{
		"defaults":       {nil, ""},
		"tail -1":        {[]string{"--tail", "-1"}, "must be a whole number from 0 to 10000"},
		"huge tail":      {[]string{"--tail", "9223372036854775807"}, "must be a whole number from 0 to 10000"},
		"since banana":   {[]string{"--since", "banana"}, "must be a duration from 0s to 8784h0m0s"},
		"negative since": {[]string{"--since", "-1h"}, "must be a duration"},
		"huge limit":     {[]string{"--limit-bytes", "99999999999999"}, "must be a whole number from 0 to 1073741824"},
		"largest":        {[]string{"--tail", "10000", "--since", "8784h", "--limit-bytes", "1073741824", "-f", "--timestamps"}, ""},
	})
}

func TestValidate(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(genericclioptions.NewConfigFlags(false), streams)
	o.Controller, o.Job = true, true
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--controller and --job cannot be used together") {
		t.Errorf("both sources: %v", err)
	}
	o.Job = false
	o.ControllerSelector = "a in (("
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--controller-selector") {
		t.Errorf("bad selector: %v", err)
	}
	o.ControllerSelector, o.ControllerNamespace = "", "Not_A_Namespace"
	if err := o.Validate(); err == nil {
		t.Error("bad namespace passed")
	}
}

func TestSourcesFromFlags(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(genericclioptions.NewConfigFlags(false), streams)
	o.AddFlags(&cobra.Command{})
	for _, c := range []struct {
		controller, job, wantCtl, wantPods bool
	}{{false, false, true, true}, {true, false, true, false}, {false, true, false, true}} {
		o.Controller, o.Job = c.controller, c.job
		so := o.streamOptions()
		if so.Controller != c.wantCtl || so.Pods != c.wantPods || so.Tail != 100 || so.DefaultSelector == nil {
			t.Errorf("--controller=%v --job=%v: %+v", c.controller, c.job, so)
		}
	}
}
