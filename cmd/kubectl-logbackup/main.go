// Command kubectl-logbackup is the kubectl plugin; kubectl runs it as
// "kubectl logbackup".
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // exec, OIDC and cloud auth for every kubeconfig

	"github.com/logbackup/kubectl-logbackup/pkg/cmd"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/cmdutil"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// The first SIGINT or SIGTERM cancels the context, with the signal as
	// its cause, so a command can tell an interrupt from a deadline and
	// finish what must not be abandoned; the signal is then handed back
	// to Go's default, so a second one ends the process at once.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		signal.Stop(sigs)
		cancel(&cmdutil.Interrupt{Signal: s})
	}()

	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	err := cmd.NewRootCmd(streams).ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(streams.ErrOut, cmdutil.OneLine(err))
	}
	return cmdutil.ExitCode(err)
}
