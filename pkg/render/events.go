package render

import (
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/logbackup/kubectl-logbackup/pkg/stream"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// EventOptions tune the events view.
type EventOptions struct {
	Options
	AllNamespaces bool             // add the NAMESPACE column
	Now           func() time.Time // for LAST SEEN
}

// EventTable draws events like kubectl events: a header, then one row per
// event, oldest first. A watch writes more rows later; they keep the
// column widths of the first rows, so nothing already printed moves.
type EventTable struct {
	w     io.Writer
	o     EventOptions
	table fixedTable
}

// NewEventTable draws on w.
func NewEventTable(w io.Writer, o EventOptions) *EventTable {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &EventTable{w: w, o: o}
}

// Write draws the rows of evs, with the header before the first row.
func (t *EventTable) Write(evs []stream.Event) error {
	if len(evs) == 0 {
		return nil
	}
	p := newPrinter(t.w, t.o.Options, t.o.Now())
	rows := make([][]string, len(evs))
	for i := range evs {
		rows[i] = t.row(p, &evs[i])
	}
	t.table.write(p, t.header(), rows, func(row, col int, v string) styled { return t.color(p, col, v, &evs[row]) })
	return p.err
}

func (t *EventTable) header() []string {
	h := []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "BACKUP", "MESSAGE"}
	if t.o.AllNamespaces {
		h = append([]string{"NAMESPACE"}, h...)
	}
	return h
}

// row is the cells of one event, each folded to one line, cut and
// escaped: every one of them comes from the cluster.
func (t *EventTable) row(p *printer, e *stream.Event) []string {
	reason := e.Reason
	if e.Retry {
		reason += " (retry)"
	}
	r := []string{lastSeenText(p.now, e), e.Type, reason, strings.ToLower(e.Object.Kind) + "/" + e.Object.Name, e.Backup.Name, e.Message}
	if t.o.AllNamespaces {
		r = append([]string{e.Namespace}, r...)
	}
	for i, v := range r {
		r[i] = cell(text.Dash(v))
	}
	return r
}

// color marks warnings and the retry story on a terminal.
func (t *EventTable) color(p *printer, col int, v string, e *stream.Event) styled {
	if t.o.AllNamespaces {
		col--
	}
	switch {
	case col == 1 && e.Type == "Warning":
		return p.paint(red, v)
	case col == 2 && e.Retry:
		return p.paint(yellow, v)
	}
	return styled(v)
}

// cell is a table cell made safe, as the tables of the other views.
func cell(v string) string { return cells([]string{v})[0].(string) }

// lastSeenText is kubectl's "5m (x3 over 20m)".
func lastSeenText(now time.Time, e *stream.Event) string {
	s := duration.HumanDuration(max(now.Sub(e.LastSeen), 0))
	if e.Count > 1 && e.FirstSeen != nil {
		s += fmt.Sprintf(" (x%d over %s)", e.Count, duration.HumanDuration(max(now.Sub(*e.FirstSeen), 0)))
	} else if e.Count > 1 {
		s += fmt.Sprintf(" (x%d)", e.Count)
	}
	return s
}

// NoEvents is the line said when no event matched.
func NoEvents(w io.Writer, namespace string, watching bool) error {
	where := "in any namespace"
	if namespace != "" {
		where = "in namespace " + namespace
	}
	p := newPrinter(w, Options{}, time.Time{})
	if watching {
		p.f("No events of backups %s yet; watching for new ones.\n", where)
	} else {
		p.f("No events of backups %s (the API server keeps events for about an hour).\n", where)
	}
	return p.err
}
