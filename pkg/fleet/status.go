package fleet

import (
	"slices"
	"sync"
	"time"

	"github.com/logbackup/kubectl-logbackup/pkg/output"
)

// Kind of status's structured output (docs/output.md).
const Kind = "BackupStatus"

// Status is what status shows: the rows, most urgent first, the summary
// of every backup read (also those --failing leaves out), and what could
// not be read.
type Status struct {
	APIVersion  string    `json:"apiVersion"`
	Kind        string    `json:"kind"`
	GeneratedAt time.Time `json:"generatedAt"`
	// Interrupted: a signal stopped the reading; the rows are partial.
	Interrupted bool    `json:"interrupted,omitempty"`
	Items       []Row   `json:"items"`
	Summary     Summary `json:"summary"`
	// Errors: a context, group or namespace that could not be read.
	Errors []Problem `json:"errors,omitempty"`
	// Notes: gaps that are not failures (a group not installed, the
	// namespaces left out of a list the user may not make).
	Notes []Problem `json:"notes,omitempty"`
}

// OutputKind is the status's apiVersion and kind.
func (s *Status) OutputKind() (string, string) { return s.APIVersion, s.Kind }

// Summary counts every backup read, by state.
type Summary struct {
	Total     int `json:"total"`
	Exhausted int `json:"exhausted"`
	Failed    int `json:"failed"`
	Retrying  int `json:"retrying"`
	Lagging   int `json:"lagging"`
	Attention int `json:"attention"`
	Healthy   int `json:"healthy"`
}

// Count is the number of backups in state s.
func (s Summary) Count(st State) int {
	switch st {
	case Exhausted:
		return s.Exhausted
	case Failed:
		return s.Failed
	case Retrying:
		return s.Retrying
	case Lagging:
		return s.Lagging
	case Attention:
		return s.Attention
	}
	return s.Healthy
}

func (s *Summary) add(st State, n int) {
	s.Total += n
	switch st {
	case Exhausted:
		s.Exhausted += n
	case Failed:
		s.Failed += n
	case Retrying:
		s.Retrying += n
	case Lagging:
		s.Lagging += n
	case Attention:
		s.Attention += n
	default:
		s.Healthy += n
	}
}

// Problem is one context, group or namespace that could not be read, or
// a note about one.
type Problem struct {
	Context   string `json:"context,omitempty"`
	Group     string `json:"group,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Message   string `json:"message"`
	// Err is the failure itself, for a caller that reports one source's
	// failure as its own error line (status without --contexts).
	Err error `json:"-"`
}

// collector gathers rows from concurrent sources; keep decides, as each
// row arrives, whether it is kept (--failing), so rows left out cost
// nothing but their count.
type collector struct {
	mu     sync.Mutex
	status Status
	keep   func(Row) bool
}

func newCollector(now time.Time, keep func(Row) bool) *collector {
	return &collector{status: Status{APIVersion: output.APIVersion, Kind: Kind, GeneratedAt: now, Items: []Row{}}, keep: keep}
}

func (c *collector) add(r Row) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status.Summary.add(r.State, 1)
	if c.keep == nil || c.keep(r) {
		c.status.Items = append(c.status.Items, r)
	}
}

func (c *collector) error(p Problem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status.Errors = append(c.status.Errors, p)
}

func (c *collector) note(p Problem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.status.Notes = append(c.status.Notes, p)
}

// done sorts what was gathered: rows most urgent first, problems by
// context so concurrent sources print in a stable order.
func (c *collector) done() *Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.status
	slices.SortStableFunc(s.Items, Less)
	byPlace := func(a, b Problem) int {
		if a.Context != b.Context {
			return compareStrings(a.Context, b.Context)
		}
		if a.Group != b.Group {
			return compareStrings(a.Group, b.Group)
		}
		return compareStrings(a.Namespace, b.Namespace)
	}
	slices.SortStableFunc(s.Errors, byPlace)
	slices.SortStableFunc(s.Notes, byPlace)
	return &s
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// NewStatus is an empty status at now, for a view that builds its own.
func NewStatus(now time.Time) *Status {
	return &Status{APIVersion: output.APIVersion, Kind: Kind, GeneratedAt: now, Items: []Row{}}
}

// Add counts a row and, when shown, appends it.
func (s *Status) Add(r Row, shown bool) {
	s.Summary.add(r.State, 1)
	if shown {
		s.Items = append(s.Items, r)
	}
}
