package events

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdtest"
	"github.com/logbackup/kubectl-logbackup/pkg/stream"
)

// Every flag is checked while it is parsed.
func TestFlags(t *testing.T) {
	cmdtest.CheckFlags(t, NewCmd, cmdtest.FlagCases{
		"defaults":         {nil, ""},
		"types":            {[]string{"--types", "warning,Normal"}, ""},
		"bogus type":       {[]string{"--types", "Warning,Bogus"}, "must be a comma list of Normal, Warning"},
		"empty type":       {[]string{"--types", ""}, "must be a comma list"},
		"since banana":     {[]string{"--since", "banana"}, "must be a duration from 0s to 8784h0m0s"},
		"negative since":   {[]string{"--since", "-5m"}, "must be a duration"},
		"output xml":       {[]string{"-o", "xml"}, "must be one of json, yaml"},
		"watch and json":   {[]string{"-w", "-o", "json"}, ""},
		"all namespaces":   {[]string{"-A"}, ""},
		"unknown group":    {[]string{"--api-group", "x.io"}, "must be one of pingcap.com, br.pingcap.com"},
		"longest since ok": {[]string{"--since", "8784h"}, ""},
	})
}

func TestTypesAreNormalised(t *testing.T) {
	var f typesFlag
	if err := f.Set(" warning ,WARNING,normal"); err != nil || f.String() != "Warning,Normal" {
		t.Errorf("%q %v", f.String(), err)
	}
}

func TestWatchRefusesYAML(t *testing.T) {
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	o := NewOptions(genericclioptions.NewConfigFlags(false), streams)
	cmd := &cobra.Command{Use: "events"}
	o.AddFlags(cmd)
	if err := cmd.ParseFlags([]string{"--watch", "-o", "yaml"}); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "not -o yaml") {
		t.Errorf("err = %v", err)
	}
}

// With --watch -o json each event is one line of valid JSON, escaped and
// redacted as output.Print does.
func TestPrintLine(t *testing.T) {
	var buf bytes.Buffer
	e := &stream.Event{APIVersion: "logbackup.github.io/v1alpha1", Kind: stream.EventKind, Message: "a\nb \x1b[31m password=hunter2",
		LastSeen: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if err := printLine(&buf, e); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Count(out, "\n") != 1 || strings.Contains(out, "\x1b") || strings.Contains(out, "hunter2") {
		t.Errorf("line: %q", out)
	}
	var back stream.Event
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Kind != "BackupEvent" || !strings.Contains(back.Message, "\x1b[31m") {
		t.Errorf("decoded %+v %v", back, err)
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
	if !strings.Contains(out.String(), "kubectl logbackup events -A --watch -o json") {
		t.Errorf("help:\n%s", out.String())
	}
}
