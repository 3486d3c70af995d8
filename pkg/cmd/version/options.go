package version

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/buildinfo"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
	"github.com/logbackup/kubectl-logbackup/pkg/output"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Options is the version command's state, kubectl style.
type Options struct {
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	output *cmdutil.Enum
	// Client: only this build, nothing read from the cluster (the
	// default, so `version` works without a kubeconfig).
	Client bool
	// Build is this build's description; tests set their own.
	Build buildinfo.Info

	session *cmdutil.Session
}

// NewOptions sets the defaults.
func NewOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *Options {
	return &Options{configFlags: flags, IOStreams: streams, Client: true, Build: buildinfo.Read()}
}

// AddFlags binds the command's own flags; kubectl's come from ConfigFlags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	o.output = cmdutil.AddOutputFlag(cmd, "Kind Version, described above.")
	cmd.Flags().BoolVar(&o.Client, "client", o.Client, "Only this build; --client=false also asks the API server for its version and the Backup APIs it serves")
}

// Complete builds the session when the server is to be asked.
func (o *Options) Complete() error {
	if o.Client {
		return nil
	}
	s, err := cmdutil.NewSession(o.configFlags, o.ErrOut)
	if err != nil {
		return err
	}
	o.session = s
	return nil
}

// Run prints this build and, with --client=false, the server. A server
// that cannot be read is a section error in the output and the command's
// error (exit 1), after this build was printed.
func (o *Options) Run(ctx context.Context) error {
	v := &Version{APIVersion: output.APIVersion, Kind: Kind, Client: o.Build}
	var serverErr error
	if !o.Client {
		v.Server, serverErr = o.readServer(ctx)
		if serverErr != nil {
			v.Server = &Server{Error: serverErr.Error()} // output.Print redacts and escapes it
		}
	}
	var err error
	if f := o.output.Value(); f != "" {
		err = output.Print(o.Out, f, v)
	} else {
		err = printText(o.Out, v, o.hostOrEmpty())
	}
	return errors.Join(err, serverErr)
}

func (o *Options) hostOrEmpty() string {
	if o.session == nil {
		return ""
	}
	return o.session.Host
}

// readServer asks /version and the two Backup groups' discovery documents
// at once, within the command's deadline.
func (o *Options) readServer(ctx context.Context) (*Server, error) {
	ctx, cancel := o.session.OneShot(ctx)
	defer cancel()
	disc := o.session.Clients.Kube.Discovery().RESTClient()
	type found struct {
		apis []backupapi.API
		err  error
	}
	done := make(chan found, 1)
	go func() {
		apis, err := backupapi.Discover(ctx, disc, "")
		done <- found{apis, err}
	}()
	info, verr := backupapi.ServerVersion(ctx, disc)
	f := <-done
	if verr != nil {
		return nil, cmdutil.ClusterError(verr, o.session)
	}
	if f.err != nil && !errors.Is(f.err, backupapi.ErrNoBackupAPI) {
		return nil, cmdutil.ClusterError(f.err, o.session)
	}
	s := &Server{Version: info.GitVersion, Platform: info.Platform, BackupAPIs: []BackupAPI{}}
	for _, a := range f.apis {
		s.BackupAPIs = append(s.BackupAPIs, BackupAPI{Group: a.Group, Version: a.Version, Operator: operator(a.Group), StatusSubresource: a.StatusSubresource})
	}
	return s, nil
}

// operator names the TiDB Operator major version that serves a group.
func operator(group string) string {
	switch group {
	case backup.GroupV1:
		return "v1"
	case backup.GroupV2:
		return "v2"
	}
	return ""
}

// printText draws the version as aligned lines. The server's strings are
// untrusted and go through the text boundary.
func printText(w io.Writer, v *Version, host string) error {
	var b strings.Builder
	c := v.Client
	fmt.Fprintf(&b, "kubectl logbackup %s\n", c.Version)
	row := func(k, v string) { fmt.Fprintf(&b, "  %-13s%s\n", k+":", v) }
	row("Commit", c.Commit)
	row("Build date", c.BuildDate)
	row("Go version", c.GoVersion)
	row("Platform", c.Platform)
	if s := v.Server; s != nil {
		clean := func(s string) string { return text.Dash(text.OneLine(text.Cut(s, 256))) }
		if host != "" {
			host = " at " + clean(host)
		}
		if s.Error != "" {
			fmt.Fprintf(&b, "Kubernetes API server%s: not read (see the error below)\n", host)
		} else {
			fmt.Fprintf(&b, "Kubernetes API server%s\n", host)
			row("Version", clean(s.Version))
			row("Platform", clean(s.Platform))
			row("Backup APIs", backupAPIs(s.BackupAPIs))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func backupAPIs(apis []BackupAPI) string {
	if len(apis) == 0 {
		return "none: neither " + strings.Join(groupVersions(), " nor ") + " serves backups; is TiDB Operator installed?"
	}
	var parts []string
	for _, a := range apis {
		p := fmt.Sprintf("%s/%s (operator %s", a.Group, a.Version, a.Operator)
		if a.StatusSubresource {
			p += ", status subresource"
		}
		parts = append(parts, p+")")
	}
	return strings.Join(parts, ", ")
}

func groupVersions() []string {
	var out []string
	for _, g := range backupapi.KnownGroups() {
		out = append(out, g+"/"+backup.Version)
	}
	return out
}
