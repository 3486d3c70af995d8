package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ExitError is an error with its own exit code; the others exit 1.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process's exit code for what a command returned.
func ExitCode(err error) int {
	var ee *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.Code
	}
	return 1
}

// Interrupt is the cause of a command's context when a signal stopped it.
type Interrupt struct{ Signal os.Signal }

func (i *Interrupt) Error() string { return "interrupted by " + signalName(i.Signal) }

// Is makes an interrupt a cancellation: net/http and client-go return the
// context's cause, and code below the commands knows only context.Canceled.
func (i *Interrupt) Is(target error) bool { return target == context.Canceled }

// Code is the shell's convention: 128 + the signal's number (130 for Ctrl-C).
func (i *Interrupt) Code() int {
	if s, ok := i.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

// Interrupted tells whether ctx was cancelled by a signal.
func Interrupted(ctx context.Context) (*Interrupt, bool) {
	var i *Interrupt
	ok := errors.As(context.Cause(ctx), &i)
	return i, ok
}

// Interrupted wraps what a command says on an interrupt with the exit code
// the shell expects; without an interrupt it returns nil.
func InterruptedError(ctx context.Context, format string, a ...any) error {
	i, ok := Interrupted(ctx)
	if !ok {
		return nil
	}
	return &ExitError{Code: i.Code(), Err: fmt.Errorf("%s: %s", i, fmt.Sprintf(format, a...))}
}

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "Ctrl-C (SIGINT)"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}
