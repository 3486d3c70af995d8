package resetretries

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
)

// Dry-run modes, as kubectl names them.
const (
	DryRunNone   = "none"
	DryRunClient = "client"
	DryRunServer = "server"
)

// Options is the reset-retries command's state, kubectl style: flags are
// bound to fields, Complete fills the rest, Validate checks, Run acts.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	APIGroup string
	Yes      bool
	All      bool
	DryRun   string
	Output   string

	refs      []backup.Ref
	namespace string // --all's scope
	session   *cmdutil.Session

	// Injected so tests control time and whether the input is a terminal.
	Now        func() time.Time
	IsTerminal func(io.Reader) bool
}

// NewOptions sets the defaults.
func NewOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{
		configFlags: flags,
		IOStreams:   streams,
		DryRun:      DryRunNone,
		Now:         time.Now,
		IsTerminal:  IsTerminal,
	}
}

// AddFlags binds the command's own flags; kubectl's come from ConfigFlags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.Yes, "yes", false, "Reset without asking (after the preview). Required when standard input is not a terminal.")
	f.BoolVar(&o.All, "all", false, "Reset every backup with retry records in the namespace (-n or the context's), after one preview each and a single question.")
	f.StringVar(&o.DryRun, "dry-run", o.DryRun, `Must be "none", "client" or "server". client prints the patch without sending it; server sends it with dryRun=All, so the API server checks everything and stores nothing.`)
	f.StringVarP(&o.Output, "output", "o", "", "Output format of the result: json or yaml (default: text). The preview and the question then go to standard error.")
	cmdutil.AddAPIGroupFlag(cmd, &o.APIGroup)
	_ = cmd.RegisterFlagCompletionFunc("dry-run", cobra.FixedCompletions([]string{DryRunNone, DryRunClient, DryRunServer}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
}

// Complete builds the clients and parses every backup name, so a
// malformed one fails before anything is read or changed.
func (o *Options) Complete(args []string) error {
	s, err := cmdutil.NewSession(o.configFlags)
	if err != nil {
		return err
	}
	o.session, o.namespace = s, s.Namespace
	if err := cmdutil.ValidateNamespaceFlag("namespace", s.Namespace); err != nil {
		return err
	}
	for _, arg := range args {
		ref, err := cmdutil.ParseRef(arg, o.configFlags, s)
		if err != nil {
			return err
		}
		if !slices.Contains(o.refs, ref) { // a repeated name is one backup
			o.refs = append(o.refs, ref)
		}
	}
	return nil
}

// Validate checks the flags, and refuses up front when no one can answer
// the question: that way nothing is read or changed.
func (o *Options) Validate(cmd *cobra.Command) error {
	if err := cmdutil.ValidateAPIGroup(o.APIGroup); err != nil {
		return err
	}
	switch {
	case len(o.refs) == 0 && !o.All:
		return fmt.Errorf("expected one or more backups as NAMESPACE/NAME or NAME, or --all; see '%s --help'", cmd.CommandPath())
	case len(o.refs) > 0 && o.All:
		return fmt.Errorf("--all resets every backup with retry records in the namespace: give either --all or backup names, not both")
	case o.DryRun != DryRunNone && o.DryRun != DryRunClient && o.DryRun != DryRunServer:
		return fmt.Errorf(`invalid --dry-run %q: use "none", "client" or "server"`, o.DryRun)
	case o.Output != "" && o.Output != "json" && o.Output != "yaml":
		return fmt.Errorf("invalid --output %q: use json or yaml, or leave it out for text", o.Output)
	case o.DryRun == DryRunNone && !o.Yes && !o.IsTerminal(o.In):
		return fmt.Errorf("refusing to reset without confirmation: standard input is not a terminal, so the question cannot be asked; " +
			"check the change with --dry-run=client or --dry-run=server, then run again with --yes; nothing was changed")
	}
	return nil
}
