package text

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MinCut is the smallest max Cut and NewLongLine accept; a smaller one is
// raised to it.
const MinCut = 64

// Cut bounds a long string for display. If len(s) <= max (bytes) it returns
// s unchanged. Otherwise it keeps the first max/4 bytes and the last
// max-max/4 bytes (the end of a log line or an error message is where the
// cause is) with a marker between them:
//
//	head… [1234567 bytes cut] …tail
//
// The marker is "… [N bytes cut] …" ("1 byte cut" for one), the ellipses
// being U+2026 and everything else ASCII; N is exactly len(s) minus the
// bytes kept. The head never ends and the tail never starts inside a UTF-8
// sequence: a partial sequence at either edge is dropped and counted in N.
// Max below MinCut is raised to MinCut. The bytes kept are a prefix and a
// suffix of s, at most max of them (after that raise), so the result is at
// most max + len(marker) bytes (the marker is 20 bytes plus the digits of
// N), and valid UTF-8 if s is.
//
// Cut works on raw bytes and adds nothing unsafe, so Cut(Clean(s), n) and
// Clean(Cut(s, n)) are both safe to print. Cut(Clean(s), n) bounds what is
// printed (Clean can make a string up to 4 times longer) but may split an
// escape such as \x1b at an edge; Clean(Cut(s, n)) bounds the raw input.
// Redact before cutting: a secret split by the cut is no longer recognised.
func Cut(s string, max int) string {
	h, t := cutSplit(max)
	if len(s) <= h+t {
		return s
	}
	head := s[:headEnd(s[:h])]
	tail := s[len(s)-t:]
	tail = tail[tailStart(tail):]
	return joinCut(head, int64(len(s)-len(head)-len(tail)), tail)
}

// cutSplit gives the head and tail budgets for max.
func cutSplit(max int) (head, tail int) {
	if max < MinCut {
		max = MinCut
	}
	head = max / 4
	return head, max - head
}

// headEnd is how much of head to keep: all of it unless it ends in an
// incomplete UTF-8 sequence, which is dropped.
func headEnd[T string | []byte](head T) int {
	n := len(head)
	for i := n - 1; i >= 0 && i >= n-(utf8.UTFMax-1); i-- {
		if utf8.RuneStart(head[i]) {
			if !fullRune(head[i:]) {
				return i
			}
			break
		}
	}
	return n
}

func fullRune[T string | []byte](p T) bool {
	switch p := any(p).(type) {
	case string:
		return utf8.FullRuneInString(p)
	case []byte:
		return utf8.FullRune(p)
	}
	panic("unreachable")
}

// tailStart is where to start tail: after the continuation bytes (at most
// three, the most a cut through a valid sequence can leave) it begins with.
func tailStart[T string | []byte](tail T) int {
	i := 0
	for i < len(tail) && i < utf8.UTFMax-1 && !utf8.RuneStart(tail[i]) {
		i++
	}
	return i
}

func joinCut[T string | []byte](head T, cut int64, tail T) string {
	var b strings.Builder
	b.Grow(len(head) + len(tail) + 40)
	writeTo(&b, head)
	b.WriteString("… [")
	var num [20]byte
	b.Write(strconv.AppendInt(num[:0], cut, 10))
	if cut == 1 {
		b.WriteString(" byte cut] …")
	} else {
		b.WriteString(" bytes cut] …")
	}
	writeTo(&b, tail)
	return b.String()
}

func writeTo[T string | []byte](b *strings.Builder, p T) {
	switch p := any(p).(type) {
	case string:
		b.WriteString(p)
	case []byte:
		b.Write(p)
	}
}

// LongLine keeps a bounded view of one line of any length written to it in
// pieces, for a streaming reader that must not hold a 3 MB log line: the
// first max/4 bytes, a sliding window over the last max-max/4 bytes, and
// the count of all bytes. String gives exactly what Cut(line, max) gives
// for the whole line. Memory stays below max bytes whatever is written.
//
// The zero LongLine behaves as NewLongLine(MinCut). A LongLine is not safe
// for concurrent use. It does not look for line ends: the caller writes
// the bytes of one line and calls String, then Reset for the next line.
type LongLine struct {
	headMax, tailMax int
	head             []byte // first bytes, cap <= headMax
	tail             []byte // last bytes; a ring once len(tail) == tailMax
	pos              int    // when the ring is full, index of its oldest byte
	n                int64  // bytes written since Reset
}

// NewLongLine returns a LongLine that keeps what Cut(line, max) keeps.
func NewLongLine(max int) *LongLine {
	l := &LongLine{}
	l.headMax, l.tailMax = cutSplit(max)
	return l
}

func (l *LongLine) init() {
	if l.headMax+l.tailMax == 0 {
		l.headMax, l.tailMax = cutSplit(0)
	}
}

// Write adds p to the line. It never fails.
func (l *LongLine) Write(p []byte) (int, error) { return write(l, p), nil }

// WriteString is Write for a string.
func (l *LongLine) WriteString(s string) (int, error) { return write(l, s), nil }

func write[T string | []byte](l *LongLine, p T) int {
	l.init()
	n := len(p)
	l.n += int64(n)
	if room := l.headMax - len(l.head); room > 0 {
		k := min(room, len(p))
		l.head = appendBounded(l.head, p[:k], l.headMax)
		p = p[k:]
	}
	if len(p) == 0 {
		return n
	}
	if room := l.tailMax - len(l.tail); room > 0 {
		if len(p) <= room {
			l.tail = appendBounded(l.tail, p, l.tailMax)
			return n
		}
		l.tail = appendBounded(l.tail, p[:room], l.tailMax)
		p = p[room:]
		l.pos = 0
	}
	// The ring is full: overwrite its oldest bytes.
	if len(p) >= l.tailMax {
		copy(l.tail, p[len(p)-l.tailMax:])
		l.pos = 0
		return n
	}
	k := copy(l.tail[l.pos:], p)
	copy(l.tail, p[k:])
	l.pos = (l.pos + len(p)) % l.tailMax
	return n
}

// appendBounded appends p to b, growing b's capacity to at most limit
// (len(b)+len(p) must not exceed limit).
func appendBounded[T string | []byte](b []byte, p T, limit int) []byte {
	need := len(b) + len(p)
	if need > cap(b) {
		c := min(limit, max(need, 2*cap(b), 256))
		nb := make([]byte, len(b), c)
		copy(nb, b)
		b = nb
	}
	return append(b, p...)
}

// Len is the number of bytes written since the last Reset.
func (l *LongLine) Len() int64 { return l.n }

// Cut reports whether String leaves bytes out.
func (l *LongLine) Cut() bool {
	l.init()
	return l.n > int64(l.headMax+l.tailMax)
}

// String is the line, whole if it fitted, else cut as Cut cuts it.
func (l *LongLine) String() string {
	if !l.Cut() {
		return string(l.head) + string(l.tail) // the ring never wrapped
	}
	head := l.head[:headEnd(l.head)]
	tail := make([]byte, 0, len(l.tail))
	tail = append(tail, l.tail[l.pos:]...)
	tail = append(tail, l.tail[:l.pos]...)
	tail = tail[tailStart(tail):]
	return joinCut(head, l.n-int64(len(head))-int64(len(tail)), tail)
}

// Reset empties l for the next line, keeping its buffers.
func (l *LongLine) Reset() {
	l.head = l.head[:0]
	l.tail = l.tail[:0]
	l.pos = 0
	l.n = 0
}
