// Command docs writes docs/commands.md from the cobra tree (`make docs`).
package main

import (
	"fmt"
	"io"
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/logbackup/kubectl-logbackup/pkg/cmd"
	"github.com/logbackup/kubectl-logbackup/pkg/cmd/reference"
)

func main() {
	home, _ := os.UserHomeDir()
	root := cmd.NewRootCmd(genericiooptions.IOStreams{In: os.Stdin, Out: io.Discard, ErrOut: os.Stderr})
	if err := reference.Write(".", root, home); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	fmt.Println("wrote", reference.File)
}
