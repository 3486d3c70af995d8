package backup

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// What a field should have held, as FieldError.Expected says it.
const (
	expString   = "a string"
	expBool     = "true or false"
	expTime     = "an RFC 3339 time between the years 1900 and 9000"
	expWhole    = "a whole number"
	expList     = "a list"
	expObject   = "an object"
	expDuration = "a Go duration such as 300s or 5m"
	expPositive = "a positive Go duration"
	expNonNeg   = "0 or more"
	expTSO      = "a TiDB TSO as a decimal string"
)

// decoder reads values as the dynamic client decodes JSON (string, int64,
// float64, bool, []any, map[string]any, nil) one field at a time, and
// keeps what it could not read instead of stopping. A JSON null reads as
// an absent field, as it does for the operator's own decoding.
type decoder struct {
	invalid []FieldError
}

func (d *decoder) bad(path string, v any, expected string) {
	d.invalid = append(d.invalid, FieldError{Field: path, Value: renderValue(v), Expected: expected})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// object returns v as an object; nil when absent or not an object, and
// ok false (with a FieldError) only in the second case.
func (d *decoder) object(v any, path string) (m map[string]any, ok bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case map[string]any:
		return x, true
	}
	d.bad(path, v, expObject)
	return nil, false
}

// list is object for lists.
func (d *decoder) list(v any, path string) []any {
	switch x := v.(type) {
	case nil:
	case []any:
		return x
	default:
		d.bad(path, v, expList)
	}
	return nil
}

func (d *decoder) str(m map[string]any, path, key, expected string) string {
	switch x := m[key].(type) {
	case nil:
	case string:
		return x
	default:
		d.bad(join(path, key), x, expected)
	}
	return ""
}

func (d *decoder) boolean(m map[string]any, path, key string) bool {
	switch x := m[key].(type) {
	case nil:
	case bool:
		return x
	default:
		d.bad(join(path, key), x, expBool)
	}
	return false
}

func (d *decoder) time(m map[string]any, path, key string) *time.Time {
	v := m[key]
	if v == nil {
		return nil
	}
	if s, ok := v.(string); ok {
		if t, err := ParseTime(s); err == nil && plausible(t) {
			return &t
		}
	}
	// A number is not accepted: no operator writes Unix times here, and
	// guessing seconds or milliseconds would show a made-up moment.
	d.bad(join(path, key), v, expTime)
	return nil
}

// plausible: a time no operator could have written (before 1900, after
// 9000) is refused, so that what is computed from it (a deadline years
// later, a log window minutes earlier) stays a time JSON can hold.
func plausible(t time.Time) bool {
	return t.Year() >= 1900 && t.Year() < 9000
}

// whole reads an integer; ok is false when absent (no error) or invalid.
func (d *decoder) whole(m map[string]any, path, key, expected string) (n int, ok bool) {
	v := m[key]
	if v == nil {
		return 0, false
	}
	if n, ok := wholeNumber(v); ok {
		return n, true
	}
	d.bad(join(path, key), v, expected)
	return 0, false
}

// wholeNumber accepts the integer kinds, and a float64 (JSON decoded
// without UseNumber) only when it is integral and fits an int. A string
// such as "3" is not a number: the operator's own decoding refuses it.
func wholeNumber(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int32:
		return int(n), true
	case int64:
		if int64(int(n)) == n {
			return int(n), true
		}
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt && n < -float64(math.MinInt) && float64(int(n)) == n {
			return int(n), true
		}
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return wholeNumber(i)
		}
		if f, err := n.Float64(); err == nil {
			return wholeNumber(f)
		}
	}
	return 0, false
}

// tso reads status.logCheckpointTs: v1 writes a decimal string; a writer
// that sends a number gets it formatted back into one.
func (d *decoder) tso(m map[string]any, path, key string) string {
	v := m[key]
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if x == "" {
			return ""
		}
		if _, err := strconv.ParseUint(strings.TrimSpace(x), 10, 64); err == nil {
			return x
		}
	case int64:
		if x >= 0 {
			return strconv.FormatInt(x, 10)
		}
	case int:
		if x >= 0 {
			return strconv.Itoa(x)
		}
	case float64:
		// Past 2^53 a float64 may have lost low bits; its exact integer is
		// still the best reading (a TSO's 18 logical bits are often zero,
		// and then it is exact).
		if x == math.Trunc(x) && x >= 0 && x < math.MaxUint64 {
			return strconv.FormatUint(uint64(x), 10)
		}
	case json.Number:
		if _, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return string(x)
		}
	}
	d.bad(join(path, key), v, expTSO)
	return ""
}

// assumed adds what the maths use instead of an invalid value.
func assumed(expected string, def any) string {
	return fmt.Sprintf("%s; the default %v is assumed", expected, def)
}
