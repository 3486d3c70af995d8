package cmdutil

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// FlagErrorFunc is the root command's flag error function. pflag's own
// messages leak parser internals ("strconv.ParseInt: parsing ...") and do
// not say where to look next, so they are restated in the words the
// commands' own checks use ("invalid --tail 0: must be at least 1"), with a
// pointer to the command's help.
func FlagErrorFunc(c *cobra.Command, err error) error {
	var (
		required *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
	)
	switch {
	case errors.As(err, &required) && required.GetFlag() != nil:
		name := "--" + required.GetFlag().Name
		if required.GetSpecifiedShortnames() != "" {
			name = "-" + required.GetFlag().Shorthand
		}
		err = &flagError{msg: name + " needs a value", err: err}
	case errors.As(err, &invalid) && invalid.GetFlag() != nil:
		err = &flagError{
			msg: fmt.Sprintf("invalid --%s %q: %s", invalid.GetFlag().Name, invalid.GetValue(), expected(invalid)),
			err: err,
		}
	}
	return fmt.Errorf("%w; see '%s --help'", err, c.CommandPath())
}

// flagError restates a pflag error and keeps it for errors.As.
type flagError struct {
	msg string
	err error
}

func (e *flagError) Error() string { return e.msg }
func (e *flagError) Unwrap() error { return e.err }

// expected says what the flag takes: from the parser for the built-in
// kinds, or the flag's own explanation (its Set error) for ours.
func expected(e *pflag.InvalidValueError) string {
	var num *strconv.NumError
	var own *rangeError
	isNum := errors.As(e, &num)
	switch {
	case errors.As(e, &own):
		return own.msg
	case isNum && errors.Is(num.Err, strconv.ErrRange):
		return "out of range"
	case isNum && num.Func == "ParseBool":
		return "must be true or false"
	case isNum && num.Func == "ParseFloat":
		return "must be a number"
	case isNum:
		return "must be a whole number"
	case e.GetFlag().Value.Type() == "duration":
		return "must be a duration such as 30s, 5m or 2h"
	case e.Unwrap() != nil:
		return e.Unwrap().Error()
	}
	return "see the allowed values in the help"
}
