package timeline

import (
	"strconv"
	"strings"
	"time"
)

// clock is a time as the gaps say it: "14:05" in UTC, with its date when
// the timeline spans more than one day.
func clock(t time.Time, withDate bool) string {
	if withDate {
		return t.UTC().Format("2006-01-02 15:04")
	}
	return t.UTC().Format("15:04")
}

// human is a delay in words, to the minute: "26 minutes", "1 hour 4
// minutes", "2 days 3 hours"; under a minute, in seconds.
func human(d time.Duration) string {
	if d < time.Minute {
		return plural(int(d.Round(time.Second)/time.Second), "second")
	}
	m := int(d.Round(time.Minute) / time.Minute)
	days, hours, mins := m/(24*60), m/60%24, m%60
	var parts []string
	switch {
	case days > 0:
		parts = append(parts, plural(days, "day"))
		if hours > 0 {
			parts = append(parts, plural(hours, "hour"))
		}
	case hours > 0:
		parts = append(parts, plural(hours, "hour"))
		if mins > 0 {
			parts = append(parts, plural(mins, "minute"))
		}
	default:
		parts = append(parts, plural(mins, "minute"))
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func itoa(n int) string { return strconv.Itoa(n) }
