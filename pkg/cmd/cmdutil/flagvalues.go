package cmdutil

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// The flag value types below check their range while the flags are
// parsed, so a bad value fails with pflag's error (restated by
// FlagErrorFunc) before anything is read, and no value can be large
// enough to exhaust memory downstream.

// rangeError is a value's own explanation of what it takes.
type rangeError struct{ msg string }

func (e *rangeError) Error() string { return e.msg }

// Bounds shared by the verbs' flags, so every --since, --checkpoint-lag
// and --limit-bytes takes the same range.
const (
	// MaxDuration bounds duration flags: a year and a day of history.
	MaxDuration = 366 * 24 * time.Hour
	// MaxLimitBytes bounds --limit-bytes: 1 GiB read from one log.
	MaxLimitBytes = 1 << 30
)

// Enum is a string flag that takes one of a fixed list of values.
type Enum struct {
	value   string
	allowed []string
	// optional: "" is allowed too (the flag's "not given" value).
	optional bool
}

// AddEnum defines an enumerated flag with completion of its values. def
// "" makes the flag optional (its absence means "").
func AddEnum(cmd *cobra.Command, name, shorthand, def, usage string, allowed ...string) *Enum {
	e := &Enum{value: def, allowed: allowed, optional: def == ""}
	cmd.Flags().VarP(e, name, shorthand, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
	return e
}

func (e *Enum) String() string { return e.value }
func (e *Enum) Type() string   { return "string" }

// Value is the chosen value ("" when an optional flag was not given).
func (e *Enum) Value() string { return e.value }

func (e *Enum) Set(v string) error {
	if slices.Contains(e.allowed, v) || (e.optional && v == "") {
		e.value = v
		return nil
	}
	return &rangeError{"must be one of " + strings.Join(e.allowed, ", ")}
}

// Int64Range is an integer flag bounded to [min, max].
type Int64Range struct {
	p        *int64
	min, max int64
}

// AddInt64Range binds an integer flag to p, bounded to [min, max].
func AddInt64Range(cmd *cobra.Command, p *int64, name string, min, max int64, usage string) {
	cmd.Flags().Var(&Int64Range{p: p, min: min, max: max}, name, fmt.Sprintf("%s (%d to %d)", usage, min, max))
}

func (r *Int64Range) String() string { return strconv.FormatInt(*r.p, 10) }
func (r *Int64Range) Type() string   { return "int" }

func (r *Int64Range) Set(v string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < r.min || n > r.max {
		return &rangeError{fmt.Sprintf("must be a whole number from %d to %d", r.min, r.max)}
	}
	*r.p = n
	return nil
}

// DurationRange is a duration flag bounded to [min, max].
type DurationRange struct {
	p        *time.Duration
	min, max time.Duration
}

// AddDurationRange binds a duration flag to p, bounded to [min, max].
func AddDurationRange(cmd *cobra.Command, p *time.Duration, name string, min, max time.Duration, usage string) {
	cmd.Flags().Var(&DurationRange{p: p, min: min, max: max}, name, fmt.Sprintf("%s (%s to %s)", usage, min, max))
}

func (r *DurationRange) String() string { return r.p.String() }
func (r *DurationRange) Type() string   { return "duration" }

func (r *DurationRange) Set(v string) error {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d < r.min || d > r.max {
		return &rangeError{fmt.Sprintf("must be a duration from %s to %s, such as 30s, 5m or 2h", r.min, r.max)}
	}
	*r.p = d
	return nil
}
