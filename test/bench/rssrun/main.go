// Command rssrun runs a command and writes its peak RSS (KiB) to a file.
//
// The benchmarks cannot read a child's peak RSS themselves: Go starts a
// child with vfork, so at exec Linux carries the parent's high-water mark
// into the child's (signal->maxrss), and a benchmark process that seeded
// 10,000 backups reports its own 140 MiB for every command it starts. This
// small process starts the command instead; what it carries over is its
// own few MiB.
//
// Usage: rssrun OUTFILE COMMAND [ARG...]; stdin, stdout and stderr pass
// through, and it exits with the command's exit code.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: rssrun OUTFILE COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "rssrun:", err)
		os.Exit(2)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		if werr := os.WriteFile(os.Args[1], []byte(fmt.Sprint(ru.Maxrss)), 0o644); werr != nil {
			fmt.Fprintln(os.Stderr, "rssrun:", werr)
			os.Exit(2)
		}
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
