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
	// The first SIGINT cancels the context so requests stop cleanly; a
	// second one falls back to Go's default and ends the process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); stop() }()

	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	if err := cmd.NewRootCmd(streams).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(streams.ErrOut, cmdutil.OneLine(err))
		return 1
	}
	return 0
}
