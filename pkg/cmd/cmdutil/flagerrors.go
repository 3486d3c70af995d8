package cmdutil

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// FlagError is the root command's flag error function. pflag's own messages
// name the flag but leak parser internals ("strconv.ParseInt: parsing ...")
// and do not say where to look next, so they are restated in the user's
// terms with a pointer to the command's help.
func FlagError(c *cobra.Command, err error) error {
	var (
		required *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
	)
	switch {
	case errors.As(err, &required) && required.GetFlag() != nil:
		err = fmt.Errorf("--%s needs a value", required.GetFlag().Name)
	case errors.As(err, &invalid) && invalid.GetFlag() != nil:
		if want := expected(invalid); want != "" {
			err = fmt.Errorf("invalid --%s %q: %s", invalid.GetFlag().Name, invalid.GetValue(), want)
		}
	}
	return fmt.Errorf("%w; see '%s --help'", err, c.CommandPath())
}

// expected says what a flag of this kind takes, or "" to keep pflag's words
// (the flag's own Set already explained itself).
func expected(e *pflag.InvalidValueError) string {
	var num *strconv.NumError
	if errors.As(e, &num) {
		switch {
		case errors.Is(num.Err, strconv.ErrRange):
			return "the number is out of range"
		case num.Func == "ParseBool":
			return "want true or false"
		case num.Func == "ParseFloat":
			return "want a number"
		default:
			return "want a whole number"
		}
	}
	if e.GetFlag().Value.Type() == "duration" {
		return "want a duration such as 90s, 5m or 2h"
	}
	return ""
}
