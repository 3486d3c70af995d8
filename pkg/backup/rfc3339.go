package backup

import (
	"errors"
	"fmt"
	"time"
)

// ParseTime reads an RFC 3339 date-time (section 5.6), all of it and
// nothing else. Go's time.RFC3339 layout is narrower than the RFC: it
// refuses a lower-case "t" or "z", a space between date and time (which
// the RFC allows) and the leap second ":60". Any writer may put those in
// a Backup, so a diagnostic tool has to read them:
//
//   - date and time separated by "T", "t" or one space;
//   - "Z", "z" or a ±hh:mm offset ("-00:00" is read as UTC);
//   - a fraction of any length (digits past nanoseconds are dropped);
//   - second 60, read as the first instant of the next minute.
//
// Zulu times come back in UTC, others in a fixed zone of their offset, so
// the written wall clock survives. Years outside 0000-9999 after the leap
// second normalisation are refused: they cannot be marshalled again.
func ParseTime(s string) (time.Time, error) {
	t, err := parseRFC3339(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time: %w", s, err)
	}
	return t, nil
}

// rfc3339Scanner walks the string; each method consumes one production.
type rfc3339Scanner struct {
	s   string
	pos int
}

func (p *rfc3339Scanner) digits(n int, what string, lo, hi int) (int, error) {
	if p.pos+n > len(p.s) {
		return 0, fmt.Errorf("%s: want %d digits", what, n)
	}
	v := 0
	for i := 0; i < n; i++ {
		c := p.s[p.pos+i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%s: want %d digits", what, n)
		}
		v = v*10 + int(c-'0')
	}
	if v < lo || v > hi {
		return 0, fmt.Errorf("%s %0*d is out of range", what, n, v)
	}
	p.pos += n
	return v, nil
}

func (p *rfc3339Scanner) oneOf(what, set string) (byte, error) {
	if p.pos < len(p.s) {
		c := p.s[p.pos]
		for i := 0; i < len(set); i++ {
			if c == set[i] {
				p.pos++
				return c, nil
			}
		}
	}
	return 0, fmt.Errorf("want %s", what)
}

func parseRFC3339(s string) (time.Time, error) {
	p := &rfc3339Scanner{s: s}
	var (
		v   [6]int // year month day hour minute second
		err error
	)
	fields := []struct {
		what   string
		n      int
		lo, hi int
		after  string // separator that follows, "" for none
		sepMsg string
	}{
		{"year", 4, 0, 9999, "-", `"-" after the year`},
		{"month", 2, 1, 12, "-", `"-" after the month`},
		{"day", 2, 1, 31, "Tt ", `"T", "t" or a space after the date`},
		{"hour", 2, 0, 23, ":", `":" after the hour`},
		{"minute", 2, 0, 59, ":", `":" after the minute`},
		{"second", 2, 0, 60, "", ""},
	}
	for i, f := range fields {
		if v[i], err = p.digits(f.n, f.what, f.lo, f.hi); err != nil {
			return time.Time{}, err
		}
		if f.after != "" {
			if _, err := p.oneOf(f.sepMsg, f.after); err != nil {
				return time.Time{}, err
			}
		}
	}
	year, month, day := v[0], time.Month(v[1]), v[2]
	if day > daysIn(month, year) {
		return time.Time{}, fmt.Errorf("day %02d is out of range for %04d-%02d", day, year, month)
	}
	nsec := 0
	if p.pos < len(s) && s[p.pos] == '.' {
		p.pos++
		start := p.pos
		for p.pos < len(s) && s[p.pos] >= '0' && s[p.pos] <= '9' {
			if p.pos-start < 9 {
				nsec = nsec*10 + int(s[p.pos]-'0')
			}
			p.pos++
		}
		n := p.pos - start
		if n == 0 {
			return time.Time{}, errors.New(`want digits after "."`)
		}
		for ; n < 9; n++ {
			nsec *= 10
		}
	}
	c, err := p.oneOf(`"Z", "z" or a ±hh:mm offset`, "Zz+-")
	if err != nil {
		return time.Time{}, err
	}
	loc := time.UTC
	if c == '+' || c == '-' {
		oh, err := p.digits(2, "offset hour", 0, 23)
		if err != nil {
			return time.Time{}, err
		}
		if _, err := p.oneOf(`":" in the offset`, ":"); err != nil {
			return time.Time{}, err
		}
		om, err := p.digits(2, "offset minute", 0, 59)
		if err != nil {
			return time.Time{}, err
		}
		if off := (oh*60 + om) * 60; off != 0 {
			if c == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		}
	}
	if p.pos != len(s) {
		return time.Time{}, fmt.Errorf("unexpected %q after the time", s[p.pos:])
	}
	// time.Date carries second 60 into the next minute.
	t := time.Date(year, month, day, v[3], v[4], v[5], nsec, loc)
	if t.Year() > 9999 {
		return time.Time{}, errors.New("the leap second moves it past year 9999")
	}
	return t, nil
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
