package stream

import (
	"time"
)

// LogSource is one container log: a controller pod's, whose lines are
// kept only when Match says they are about the backup, or a backup pod's.
type LogSource struct {
	Controller                bool
	Namespace, Pod, Container string
	Match                     func([]byte) bool // nil keeps every line
}

// Label names the source on every line it wrote.
func (s LogSource) Label() string {
	if s.Controller {
		return "controller " + s.Namespace + "/" + s.Pod
	}
	return "pod " + s.Namespace + "/" + s.Pod
}

func (s LogSource) keeps(line string) bool {
	return s.Match == nil || s.Match([]byte(line))
}

// position is how far a source has been read: the newest timestamp seen
// and how many lines carried exactly it. A stream opened again from that
// second (sinceTime has whole seconds) sends those lines once more; they
// are recognised and dropped, so nothing is printed twice as far as the
// timestamps tell.
type position struct {
	last   time.Time
	atLast int // lines read with time last
	replay int // lines with time last read since the stream was (re)opened
}

// seen records a line's time and tells whether it was read before.
// A line without a time cannot be told apart and is never a repeat.
func (p *position) seen(t time.Time) bool {
	switch {
	case t.IsZero():
		return false
	case t.Before(p.last):
		return true
	case t.Equal(p.last):
		p.replay++
		if p.replay <= p.atLast {
			return true
		}
		p.atLast++
		return false
	}
	p.last, p.atLast, p.replay = t, 1, 1
	return false
}

// reopen is called before a stream is opened again from p.last.
func (p *position) reopen() { p.replay = 0 }

// sinceTime is where a reopened stream starts: the second of the last
// line seen (the API takes whole seconds).
func (p *position) sinceTime() time.Time { return p.last.Truncate(time.Second) }
