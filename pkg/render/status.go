package render

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/fleet"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// StatusOptions tune the status table.
type StatusOptions struct {
	Options
	Wide bool
	// AllNamespaces adds the NAMESPACE column, Contexts the CONTEXT one.
	AllNamespaces bool
	Contexts      bool
	// Namespace is the one read when not AllNamespaces (for "none found").
	Namespace string
	Failing   bool
	// Metrics adds Prometheus' columns to -o wide.
	Metrics bool
}

// Status draws the fleet table, the errors and notes, and the summary
// line that ends it.
func Status(w io.Writer, st *fleet.Status, o StatusOptions) error {
	bw := bufio.NewWriter(w)
	p := newPrinter(bw, o.Options, st.GeneratedAt)
	if st.Interrupted {
		p.f("%s the list was interrupted: the rows below are the backups read before it stopped\n", p.paint(red, "INTERRUPTED:"))
	}
	if len(st.Items) > 0 {
		// Drawn row by row into a buffered writer: a fleet of ten
		// thousand backups is never a second table in memory.
		var t fixedTable
		t.write(p, statusHeader(o), safeCells(statusRows(st.Items, o, st.GeneratedAt)), nil)
	}
	problems(p, st)
	p.f("%s\n", p.paint(bold, summaryText(st, o)))
	if p.err != nil {
		return p.err
	}
	return bw.Flush()
}

// safeCells makes every cell safe in place, as table does.
func safeCells(rows [][]string) [][]string {
	for _, r := range rows {
		for i, v := range r {
			r[i] = cell(v)
		}
	}
	return rows
}

// StatusStream draws a watch on a stream that is not a terminal: the
// first rows under a header, then each changed row appended, padded to
// the first rows' widths so the columns line up (kubectl get --watch).
type StatusStream struct {
	w     io.Writer
	o     StatusOptions
	table fixedTable
}

// NewStatusStream draws on w.
func NewStatusStream(w io.Writer, o StatusOptions) *StatusStream {
	return &StatusStream{w: w, o: o}
}

// Write draws the rows of the changes; a deleted backup's row says so in
// its STATE column.
func (s *StatusStream) Write(changes []fleet.Change, now time.Time) error {
	if len(changes) == 0 {
		return nil // the header waits for rows, so it is sized by them
	}
	p := newPrinter(s.w, s.o.Options, now)
	rows := make([]fleet.Row, 0, len(changes))
	for _, c := range changes {
		r := c.Row
		if c.Type == fleet.Deleted {
			r.State = "Deleted"
		}
		rows = append(rows, r)
	}
	// A batch (a context that listed late, a burst of changes) comes
	// most urgent first, as the first table does.
	slices.SortStableFunc(rows, fleet.Less)
	s.table.write(p, statusHeader(s.o), safeCells(statusRows(rows, s.o, now)), nil)
	return p.err
}

// StatusProblems draws the error and note lines alone (for -o name,
// whose stdout holds names only).
func StatusProblems(w io.Writer, st *fleet.Status, o Options) error {
	p := newPrinter(w, o, st.GeneratedAt)
	problems(p, st)
	return p.err
}

func problems(p *printer, st *fleet.Status) {
	for _, e := range st.Errors {
		p.f("%s %s\n", p.paint(red, "error:"), problemText(e))
	}
	for _, n := range st.Notes {
		p.f("%s %s\n", p.paint(cyan, "note:"), problemText(n))
	}
}

// StatusProblem draws one watch trouble as a line.
func StatusProblem(w io.Writer, pr fleet.Problem, o Options) error {
	p := newPrinter(w, o, time.Time{})
	p.f("%s %s\n", p.paint(yellow, "warning:"), problemText(pr))
	return p.err
}

// StatusNames prints -o name: kind.group/name, one per line, as kubectl
// get -o name does (the namespace is not part of it).
func StatusNames(w io.Writer, st *fleet.Status) error {
	p := newPrinter(w, Options{}, st.GeneratedAt)
	for _, r := range st.Items {
		p.f("%s\n", "backup."+r.Group+"/"+r.Name)
	}
	return p.err
}

func statusHeader(o StatusOptions) []string {
	var h []string
	if o.Contexts {
		h = append(h, "CONTEXT")
	}
	if o.AllNamespaces {
		h = append(h, "NAMESPACE")
	}
	h = append(h, "NAME", "OP", "MODE", "PHASE", "STATE", "RETRIES", "NEXT", "LAST FAILURE", "LAG", "AGE")
	if o.Wide {
		h = append(h, "RETRY POLICY", "CONDITION", "VERDICT")
	}
	if o.Wide && o.Metrics {
		h = append(h, "RETRIES/H", "TASK", "RPO", "ALERTS")
	}
	return h
}

func statusRows(rows []fleet.Row, o StatusOptions, now time.Time) [][]string {
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		var c []string
		if o.Contexts {
			c = append(c, r.Context)
		}
		if o.AllNamespaces {
			c = append(c, r.Namespace)
		}
		c = append(c, r.Name, r.Operator, rowMode(r), text.Dash(r.Phase), stateText(r),
			fmt.Sprintf("%d/%d", r.Retry.Used, r.Retry.Allowed), nextText(r, now), text.Dash(r.LastFailure),
			lagText(r), ageText(r.Created, now))
		if o.Wide {
			c = append(c, rowPolicy(r.Policy), conditionText(r.Condition), text.Dash(r.Verdict.Summary))
		}
		if o.Wide && o.Metrics {
			c = append(c, metricsCells(r.Metrics)...)
		}
		out = append(out, c)
	}
	return out
}

// stateText is the state, and the fields that could not be read: the
// row's other cells show them as missing.
func stateText(r fleet.Row) string {
	switch len(r.Invalid) {
	case 0:
		return string(r.State)
	case 1:
		return fmt.Sprintf("%s (invalid %s)", r.State, r.Invalid[0])
	}
	return fmt.Sprintf("%s (invalid %s, +%d)", r.State, r.Invalid[0], len(r.Invalid)-1)
}

func rowMode(r fleet.Row) string {
	if r.LogSubcommand != "" {
		return r.Mode + "/" + r.LogSubcommand
	}
	return text.Dash(r.Mode)
}

// nextText is the pending retry, or the end of the retry window while
// the backup is still in its retry story.
func nextText(r fleet.Row, now time.Time) string {
	s := r.Retry
	if s.Pending != nil && s.Pending.ExpectedRetryAt != nil {
		due := *s.Pending.ExpectedRetryAt
		if now.After(due) {
			return fmt.Sprintf("retry %d overdue %s", s.Pending.RetryNum, duration.HumanDuration(now.Sub(due)))
		}
		return fmt.Sprintf("retry %d in %s", s.Pending.RetryNum, duration.HumanDuration(due.Sub(now)))
	}
	if s.Used > 0 && s.Deadline != nil && now.Before(*s.Deadline) && r.Phase != backup.PhaseComplete && r.Phase != backup.PhaseFailed {
		return "window ends in " + duration.HumanDuration(s.Deadline.Sub(now))
	}
	return "-"
}

func lagText(r fleet.Row) string {
	if r.Checkpoint == nil {
		return "-"
	}
	return duration.HumanDuration(time.Duration(r.Checkpoint.Lag))
}

func ageText(created, now time.Time) string {
	if created.IsZero() {
		return "-"
	}
	return duration.HumanDuration(now.Sub(created))
}

// rowPolicy is "2 x 5m0s, 30m0s" (max retries, min duration, timeout).
func rowPolicy(p backup.RetryPolicy) string {
	return fmt.Sprintf("max %d, min %s, timeout %s", p.MaxRetryTimes, p.MinRetryDuration, p.RetryTimeout)
}

func conditionText(c *backup.Condition) string {
	if c == nil {
		return "-"
	}
	s := c.Type
	if c.Reason != "" {
		s += "/" + c.Reason
	}
	if c.Message != "" {
		s += ": " + c.Message
	}
	return s
}

func problemText(p fleet.Problem) string {
	var where []string
	if p.Context != "" {
		where = append(where, "context "+p.Context)
	}
	if p.Group != "" {
		where = append(where, p.Group)
	}
	if p.Namespace != "" {
		where = append(where, "namespace "+p.Namespace)
	}
	if len(where) == 0 {
		return p.Message
	}
	return "[" + strings.Join(where, ", ") + "] " + p.Message
}

// summaryText ends the output: "12 backups: 1 exhausted, 2 retrying, 9 healthy".
func summaryText(st *fleet.Status, o StatusOptions) string {
	sum := st.Summary
	if sum.Total == 0 && len(st.Errors) > 0 {
		return "No backups could be read."
	}
	if sum.Total == 0 {
		where := "in any namespace"
		if !o.AllNamespaces {
			where = "in namespace " + o.Namespace
		}
		return "No backups found " + where + "."
	}
	var parts []string
	for _, s := range fleet.States() {
		if n := sum.Count(s); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ToLower(string(s))))
		}
	}
	out := fmt.Sprintf("%s: %s", text.Plural(sum.Total, "backup"), strings.Join(parts, ", "))
	if o.Failing {
		if len(st.Items) == 0 {
			return out + "; none needs attention."
		}
		out += fmt.Sprintf("; %d shown (--failing)", len(st.Items))
	}
	return out + "."
}

// ClearScreen moves to the top of a terminal and clears it, before a
// watch redraws its table.
func ClearScreen(w io.Writer) error {
	_, err := io.WriteString(w, "\x1b[H\x1b[2J")
	return err
}
