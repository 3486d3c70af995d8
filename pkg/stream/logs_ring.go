package stream

// lineRing keeps the newest lines pushed to it: at most keep, and at most
// MaxKeptBytes of them (but always the newest). It grows with what it
// holds, never with keep up front.
type lineRing struct {
	keep    int
	buf     []LogLine // circular; the oldest at start
	start   int
	n       int
	bytes   int64
	dropped int // lines dropped to stay within MaxKeptBytes
}

func (r *lineRing) push(l LogLine) {
	if r.keep <= 0 {
		return
	}
	if r.n == r.keep {
		r.dropOldest()
	}
	for r.n > 0 && r.bytes+l.size() > MaxKeptBytes {
		r.dropOldest()
		r.dropped++
	}
	if r.n == len(r.buf) {
		buf := make([]LogLine, min(r.keep, max(2*len(r.buf), 16)))
		r.copyTo(buf)
		r.buf, r.start = buf, 0
	}
	r.buf[(r.start+r.n)%len(r.buf)] = l
	r.n++
	r.bytes += l.size()
}

func (r *lineRing) dropOldest() {
	r.bytes -= r.buf[r.start].size()
	r.buf[r.start] = LogLine{}
	r.start = (r.start + 1) % len(r.buf)
	r.n--
}

func (r *lineRing) copyTo(dst []LogLine) {
	k := copy(dst, r.buf[r.start:min(r.start+r.n, len(r.buf))])
	copy(dst[k:], r.buf[:r.n-k])
}

// lines returns the kept lines, oldest first.
func (r *lineRing) lines() []LogLine {
	out := make([]LogLine, r.n)
	if r.n > 0 {
		r.copyTo(out)
	}
	return out
}
