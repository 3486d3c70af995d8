package resetretries

import (
	"fmt"
	"io"
	"os"
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

	Yes bool
	All bool

	apiGroup *cmdutil.Enum
	dryRun   *cmdutil.Enum
	output   *cmdutil.Enum

	refs      []backup.Ref
	namespace string // --all's scope
	session   *cmdutil.Session

	// Injected so tests control time, colour and whether the input is a
	// terminal.
	Now        func() time.Time
	IsTerminal func(io.Reader) bool
	Getenv     func(string) string
}

// NewOptions sets the defaults.
func NewOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{
		configFlags: flags,
		IOStreams:   streams,
		Now:         time.Now,
		IsTerminal:  IsTerminal,
		Getenv:      os.Getenv,
	}
}

// AddFlags binds the command's own flags; kubectl's come from ConfigFlags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.Yes, "yes", false, "Reset without asking (after the preview). Required when standard input is not a terminal.")
	f.BoolVar(&o.All, "all", false, "Reset every backup with retry records in the namespace (-n or the context's), after one preview each and a single question.")
	o.dryRun = cmdutil.AddEnum(cmd, "dry-run", "", DryRunNone, `Must be "none", "client" or "server". client prints the patch without sending it; server sends it with dryRun=All, so the API server checks everything and stores nothing.`,
		DryRunNone, DryRunClient, DryRunServer)
	o.output = cmdutil.AddOutputFlag(cmd, "The result as data; the preview and the question then go to standard error.")
	o.apiGroup = cmdutil.AddAPIGroupFlag(cmd)
}

// Complete builds the clients and parses every backup name, so a
// malformed one fails before anything is read or changed.
func (o *Options) Complete(args []string) error {
	s, err := cmdutil.NewSession(o.configFlags, o.ErrOut)
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

// Validate checks what the flag types cannot check alone. Whether the
// question can be asked is decided when there is one: a backup with
// nothing to reset needs no answer.
func (o *Options) Validate(cmd *cobra.Command) error {
	switch {
	case len(o.refs) == 0 && !o.All:
		return fmt.Errorf("expected one or more backups as NAMESPACE/NAME or NAME, or --all; see '%s --help'", cmd.CommandPath())
	case len(o.refs) > 0 && o.All:
		return fmt.Errorf("--all resets every backup with retry records in the namespace: give either --all or backup names, not both")
	}
	return nil
}

// errNoTerminal: the question cannot be asked.
var errNoTerminal = fmt.Errorf("refusing to reset without confirmation: standard input is not a terminal, so the question cannot be asked; " +
	"check the change with --dry-run=client or --dry-run=server, then run again with --yes; nothing was changed")
