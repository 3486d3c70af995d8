package promapi

import (
	"regexp"
	"strconv"
	"strings"
)

// Quote makes s a PromQL string literal. PromQL strings follow Go's
// escaping rules, so strconv.Quote is exact: quotes, backslashes, newlines
// and bytes that are not UTF-8 are all escaped, and nothing in a label
// value (a namespace, a backup or task name, a user's --task-labels) can
// end the literal and add to the query.
func Quote(s string) string { return strconv.Quote(s) }

// labelName is Prometheus' classic label name syntax; names are never
// quoted, so anything else is refused where it is read.
var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// ValidLabelName tells a label name that can be written bare in PromQL.
func ValidLabelName(s string) bool { return labelName.MatchString(s) }

// Matchers are equality label matchers, written in a fixed order.
type Matchers []Matcher

// Matcher is one label="value".
type Matcher struct{ Name, Value string }

// String writes the matchers inside braces' content: a="x",b="y".
func (m Matchers) String() string {
	parts := make([]string, 0, len(m))
	for _, x := range m {
		parts = append(parts, x.Name+"="+Quote(x.Value))
	}
	return strings.Join(parts, ",")
}

// Selector is the metric with the matchers: name{a="x"}.
func (m Matchers) Selector(metric string) string {
	return metric + "{" + m.String() + "}"
}

// With returns m followed by more.
func (m Matchers) With(more ...Matcher) Matchers {
	out := make(Matchers, 0, len(m)+len(more))
	return append(append(out, m...), more...)
}
