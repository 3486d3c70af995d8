package backup

import (
	"strings"
	"testing"
	"time"
)

func TestParseTimeAccepts(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := map[string]time.Time{
		"2026-11-25T08:00:00Z":                 utc("2026-11-25T08:00:00Z"),
		"2026-11-25t08:00:00z":                 utc("2026-11-25T08:00:00Z"),
		"2026-11-25 08:00:00Z":                 utc("2026-11-25T08:00:00Z"),
		"2026-11-25T08:00:00.5Z":               utc("2026-11-25T08:00:00.5Z"),
		"2026-11-25T08:00:00.000000001Z":       utc("2026-11-25T08:00:00.000000001Z"),
		"2026-11-25T08:00:00.123456789987654Z": utc("2026-11-25T08:00:00.123456789Z"), // digits past ns dropped
		"2026-11-25T13:30:00+05:30":            utc("2026-11-25T08:00:00Z"),
		"2026-11-25T03:00:00.25-05:00":         utc("2026-11-25T08:00:00.25Z"),
		"2026-11-25T08:00:00-00:00":            utc("2026-11-25T08:00:00Z"),
		"2026-11-25T08:00:00+00:00":            utc("2026-11-25T08:00:00Z"),
		"2016-12-31T23:59:60Z":                 utc("2017-01-01T00:00:00Z"), // leap second: the next second
		"2016-12-31T23:59:60.5Z":               utc("2017-01-01T00:00:00.5Z"),
		"1990-12-31T15:59:60-08:00":            utc("1991-01-01T00:00:00Z"), // RFC 3339's own example
		"2024-02-29T00:00:00Z":                 utc("2024-02-29T00:00:00Z"),
		"2000-02-29T00:00:00Z":                 utc("2000-02-29T00:00:00Z"),
		"0000-01-01T00:00:00Z":                 time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		"9999-12-31T23:59:59.999999999+23:59":  time.Date(9999, 12, 31, 0, 0, 59, 999999999, time.UTC),
		"1937-01-01T12:00:27.87+00:20":         utc("1937-01-01T11:40:27.87Z"), // RFC 3339's example
		"1985-04-12T23:20:50.52Z":              utc("1985-04-12T23:20:50.52Z"),
		"1996-12-19T16:39:57-08:00":            utc("1996-12-20T00:39:57Z"),
		"2026-11-25 08:00:00.000000000000000Z": utc("2026-11-25T08:00:00Z"),
	}
	for in, want := range cases {
		got, err := ParseTime(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	// Zulu is UTC; an offset keeps the written wall clock.
	if got, _ := ParseTime("2026-11-25t08:00:00z"); got.Location() != time.UTC {
		t.Errorf("zulu time in %v", got.Location())
	}
	if got, _ := ParseTime("2026-11-25T13:30:00+05:30"); got.Hour() != 13 {
		t.Errorf("offset time lost its wall clock: %v", got)
	}
}

func TestParseTimeRefuses(t *testing.T) {
	for _, in := range []string{
		"",
		"1700000000",
		"2026-11-25",
		"2026-11-25T08:00Z",
		"2026-11-25T08:00:00",          // no offset
		"2026-11-25T08:00:00+0530",     // offset without colon
		"2026-11-25T08:00:00+05",       // short offset
		"2026-11-25T08:00:00.Z",        // empty fraction
		"2026-11-25T08:00:00,5Z",       // comma: Go's layout parser takes it, the RFC does not
		"2026-13-01T00:00:00Z",         // month
		"2026-00-01T00:00:00Z",         // month
		"2026-11-00T00:00:00Z",         // day
		"2026-02-29T00:00:00Z",         // not a leap year
		"1900-02-29T00:00:00Z",         // not a leap year either
		"2026-04-31T00:00:00Z",         // April has 30 days
		"2026-11-25T24:00:00Z",         // hour
		"2026-11-25T08:60:00Z",         // minute
		"2026-11-25T08:00:61Z",         // second
		"2026-11-25T08:00:00+24:00",    // offset hour
		"2026-11-25T08:00:00+05:60",    // offset minute
		" 2026-11-25T08:00:00Z",        // leading space
		"2026-11-25T08:00:00Z ",        // trailing space
		"2026-11-25  08:00:00Z",        // two spaces
		"2026-11-25_08:00:00Z",         // other separator
		"2026-11-25T08:00:00ZZ",        // trailing junk
		"2026-11-25T08:00:00UTC",       // zone name
		"26-11-25T08:00:00Z",           // short year
		"+2026-11-25T08:00:00Z",        // signed year
		"12026-11-25T08:00:00Z",        // five-digit year
		"2026-1-25T08:00:00Z",          // short month
		"2026-11-25T8:00:00Z",          // short hour
		"9999-12-31T23:59:60Z",         // the leap second leaves year 9999
		"２０２６-11-25T08:00:00Z",         // non-ASCII digits
		"2026-11-25T08:00:00\x00Z",     // NUL
		"2026-11-25T08:00:00.5\u200bZ", // zero-width space
	} {
		if got, err := ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", in, got)
		} else if !strings.Contains(err.Error(), "not an RFC 3339 time") {
			t.Errorf("ParseTime(%q) error %q does not say what was expected", in, err)
		}
	}
}

// FuzzParseTime checks ParseTime against Go's strict RFC 3339 reading
// (Time.UnmarshalText): whatever Go accepts, ParseTime reads as the same
// instant; whatever ParseTime accepts without the forms Go refuses, Go
// accepts too.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-25T08:00:00Z", "2016-12-31t23:59:60.123z", "2026-11-25 13:30:00.1+05:30", "2026-11-25T08:00:00+0530", "0000-01-01T00:00:00-23:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s)
		var want time.Time
		goErr := want.UnmarshalText([]byte(s))
		if goErr == nil && (err != nil || !got.Equal(want)) {
			t.Fatalf("Go reads %q as %v; ParseTime %v, %v", s, want, got, err)
		}
		lenient := strings.ContainsAny(s, "tz ") || (len(s) > 18 && s[17:19] == "60")
		if err == nil && !lenient && goErr != nil {
			t.Fatalf("ParseTime reads %q as %v; Go refuses it: %v", s, got, goErr)
		}
		if err == nil {
			if _, err := got.MarshalJSON(); err != nil {
				t.Fatalf("%q read as a time that cannot be marshalled: %v", s, err)
			}
		}
	})
}
