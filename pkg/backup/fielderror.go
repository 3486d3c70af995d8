package backup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// FieldError is one field of a Backup that could not be read. Decoding
// goes on around it: a diagnostic tool that fails on one odd value shows
// nothing at all (TiDB Operator itself once crashed on a malformed
// backoffRetryStatus, tidb-operator#5584).
type FieldError struct {
	// Field is the path in the object as stored, e.g.
	// status.backoffRetryStatus[1].detectFailedAt (list positions are
	// those of the object, not of the sorted views).
	Field string `json:"field"`
	// Value is a short JSON rendering of what the field holds, raw: the
	// printing layer escapes it.
	Value string `json:"value"`
	// Expected says in words what would have been valid, and what the
	// plugin assumed instead when that matters.
	Expected string `json:"expected"`
}

// String is one line: `FIELD: VALUE is not EXPECTED`.
func (e FieldError) String() string {
	return fmt.Sprintf("%s: %s is not %s", e.Field, e.Value, e.Expected)
}

// InvalidField returns the error recorded for path, or nil.
func (b *Backup) InvalidField(path string) *FieldError {
	for i := range b.Invalid {
		if b.Invalid[i].Field == path {
			return &b.Invalid[i]
		}
	}
	return nil
}

// maxValueBytes bounds FieldError.Value: a whole list written where a
// string belongs must not flood the report.
const maxValueBytes = 120

// renderValue is v as compact JSON, cut to maxValueBytes on a rune
// boundary with a visible "…".
func renderValue(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <, >, & as written; escaping is the printer's job
	s := ""
	if err := enc.Encode(v); err == nil {
		s = string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	} else {
		// Only values built in Go (NaN, channels...) get here.
		s = fmt.Sprintf("%#v", v)
	}
	if len(s) <= maxValueBytes {
		return s
	}
	cut := maxValueBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
