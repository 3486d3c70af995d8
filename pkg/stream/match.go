package stream

import (
	"bytes"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
)

// LineMatcher keeps the controller log lines about exactly one backup:
// klog lines name it as the token NAMESPACE/NAME, zap lines carry the
// fields "namespace" and "backup". A plain substring search would also
// keep NAMESPACE/NAME-other.
type LineMatcher struct {
	token      []byte
	nsFields   [][]byte
	nameFields [][]byte
}

// NewLineMatcher matches the lines about ref.
func NewLineMatcher(ref backup.Ref) *LineMatcher {
	field := func(key, value string) [][]byte {
		return [][]byte{
			[]byte(`"` + key + `": "` + value + `"`),
			[]byte(`"` + key + `":"` + value + `"`),
		}
	}
	return &LineMatcher{
		token:      []byte(ref.String()),
		nsFields:   field("namespace", ref.Namespace),
		nameFields: field("backup", ref.Name),
	}
}

// Match tells whether line is about the backup.
func (m *LineMatcher) Match(line []byte) bool {
	return m.hasToken(line) || (containsAny(line, m.nsFields) && containsAny(line, m.nameFields))
}

func (m *LineMatcher) hasToken(line []byte) bool {
	for off := 0; ; {
		i := bytes.Index(line[off:], m.token)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(m.token)
		if (start == 0 || !isNameByte(line[start-1]) && line[start-1] != '/') && boundaryAfter(line, end) {
			return true
		}
		off = start + 1
	}
}

// boundaryAfter: the name ends at end. A '.' may end a sentence, but
// followed by a name character it continues the name.
func boundaryAfter(line []byte, end int) bool {
	if end == len(line) {
		return true
	}
	c := line[end]
	if c == '.' {
		return end+1 == len(line) || !isNameByte(line[end+1]) || line[end+1] == '.'
	}
	return !isNameByte(c)
}

// isNameByte: the characters of a DNS-1123 name.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}

func containsAny(line []byte, subs [][]byte) bool {
	for _, s := range subs {
		if bytes.Contains(line, s) {
			return true
		}
	}
	return false
}
