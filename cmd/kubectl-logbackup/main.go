// Command kubectl-logbackup is the kubectl plugin; kubectl runs it as
// "kubectl logbackup".
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // exec, OIDC and cloud auth for every kubeconfig
	"k8s.io/klog/v2"

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

	// client-go logs through klog to stderr ("Unexpected error when
	// reading response body" after Ctrl-C): every error a user must see
	// reaches them through the command's own one line or section errors.
	klog.SetLogger(logr.Discard())

	// A reader that goes away (| head) must not kill the process in the
	// middle of a reset: with SIGPIPE notified (not ignored, which exec'd
	// credential plugins would inherit), writes fail with EPIPE, which a
	// command treats as any print error (after a reset: a warning).
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	err := cmd.NewRootCmd(streams).ExecuteContext(ctx)
	if errors.Is(err, syscall.EPIPE) {
		return 128 + 13 // as if SIGPIPE had ended it, silently: the reader is gone
	}
	if err != nil {
		fmt.Fprintln(streams.ErrOut, cmdutil.OneLine(err))
	}
	return cmdutil.ExitCode(err)
}
