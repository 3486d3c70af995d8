package cluster

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// kubeletTimeFormat is the fixed-width RFC 3339 form (always nine fraction
// digits) that a kubelet prefixes lines with when asked for timestamps.
const kubeletTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// FakeKubelet is the part of a kubelet that the API server calls for
// pods/log: an HTTPS server answering GET /containerLogs/NS/POD/CONTAINER
// from logs that the tests put in. The API server does not verify a
// kubelet's certificate unless --kubelet-certificate-authority is set, so a
// self-signed one is enough.
type FakeKubelet struct {
	srv    *http.Server
	port   int
	closed chan struct{}
	once   sync.Once

	mu       sync.Mutex
	logs     map[logKey]*containerLog
	requests []string

	// following counts open follow streams, so tests can see the server
	// side end (what a client reads after cancelling is net/http's business).
	following atomic.Int64
}

// NewFakeKubelet starts a fake kubelet on a free port of 127.0.0.1.
func NewFakeKubelet() (*FakeKubelet, error) {
	cert, err := selfSignedServingCert("fake-kubelet")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake kubelet: listen: %w", err)
	}
	k := &FakeKubelet{
		port:   ln.Addr().(*net.TCPAddr).Port,
		closed: make(chan struct{}),
		logs:   map[logKey]*containerLog{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", k.serveContainerLogs)
	k.srv = &http.Server{
		Handler:           k.recordRequests(mux),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		// TLS handshake noise (e.g. a client that gives up) is not a test failure.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go func() { _ = k.srv.ServeTLS(ln, "", "") }()
	return k, nil
}

// Port is the TCP port the fake kubelet listens on (on 127.0.0.1).
func (k *FakeKubelet) Port() int { return k.port }

// URL is the base URL of the fake kubelet, for tests that call it directly.
func (k *FakeKubelet) URL() string { return fmt.Sprintf("https://127.0.0.1:%d", k.port) }

// Close stops the server and ends every follow stream. Safe to call twice.
func (k *FakeKubelet) Close() {
	k.once.Do(func() {
		close(k.closed)
		_ = k.srv.Close()
	})
}

// SetLog replaces the log of a container. Lines with a zero Time get the
// current time. A container must have a log (possibly empty: pass nil) for
// the kubelet to know it; otherwise requests for it get a 404. Followers of
// this container continue with the new lines from their start.
func (k *FakeKubelet) SetLog(ns, pod, container string, lines []LogLine) {
	k.setLog(logKey{ns, pod, container, false}, lines)
}

// SetPreviousLog sets the log of the previous, terminated instance of a
// container, which is what `previous=true` (kubectl logs --previous) reads.
func (k *FakeKubelet) SetPreviousLog(ns, pod, container string, lines []LogLine) {
	k.setLog(logKey{ns, pod, container, true}, lines)
}

func (k *FakeKubelet) setLog(key logKey, lines []LogLine) {
	stamped := stampLines(lines)
	k.mu.Lock()
	defer k.mu.Unlock()
	l := k.logLocked(key)
	l.lines = stamped
	l.sorted = isSorted(nil, stamped)
	l.generation++
	l.notify()
}

// logLocked returns a container's log, creating it; k.mu must be held.
func (k *FakeKubelet) logLocked(key logKey) *containerLog {
	l := k.logs[key]
	if l == nil {
		l = newContainerLog()
		k.logs[key] = l
	}
	return l
}

// AppendLog adds lines to the end of a container's log (creating it if
// needed) and wakes followers. Lines with a zero Time get the current time.
func (k *FakeKubelet) AppendLog(ns, pod, container string, lines ...LogLine) {
	stamped := stampLines(lines)
	key := logKey{ns, pod, container, false}
	k.mu.Lock()
	defer k.mu.Unlock()
	l := k.logLocked(key)
	var last *LogLine
	if n := len(l.lines); n > 0 {
		last = &l.lines[n-1]
	}
	l.sorted = l.sorted && isSorted(last, stamped)
	l.lines = append(l.lines, stamped...)
	l.notify()
}

// Requests returns the request URIs received so far (path and query), in
// order, so tests can assert which options the plugin asked for.
func (k *FakeKubelet) Requests() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.requests)
}

// ResetRequests forgets the recorded requests, for tests sharing a cluster.
func (k *FakeKubelet) ResetRequests() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.requests = nil
}

func (k *FakeKubelet) recordRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		k.requests = append(k.requests, r.URL.RequestURI())
		k.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// lookup finds a container's log, or returns the status and message a
// kubelet answers when it does not know the pod or container.
func (k *FakeKubelet) lookup(key logKey) (*containerLog, int, string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l := k.logs[key]; l != nil {
		return l, 0, ""
	}
	podKnown, containerKnown := false, false
	for other := range k.logs {
		if other.namespace == key.namespace && other.pod == key.pod {
			podKnown = true
			containerKnown = containerKnown || other.container == key.container
		}
	}
	switch {
	case !podKnown:
		return nil, http.StatusNotFound, fmt.Sprintf("pod %q does not exist", key.pod)
	case key.previous && containerKnown:
		return nil, http.StatusBadRequest, fmt.Sprintf("previous terminated container %q in pod %q not found", key.container, key.pod)
	default:
		return nil, http.StatusNotFound, fmt.Sprintf("container %q not found in pod %q", key.container, key.pod)
	}
}

func (k *FakeKubelet) serveContainerLogs(w http.ResponseWriter, r *http.Request) {
	q, status, msg := parseLogQuery(r.URL.Query(), time.Now())
	if status != 0 {
		http.Error(w, msg, status)
		return
	}
	key := logKey{r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container"), q.previous}
	cl, status, msg := k.lookup(key)
	if status != 0 {
		http.Error(w, msg, status)
		return
	}

	k.mu.Lock()
	lines, sorted, generation, changed := cl.lines, cl.sorted, cl.generation, cl.changed
	k.mu.Unlock()

	if q.follow {
		// Counted before the first byte, so a client that has read
		// anything of a follow stream finds it counted.
		k.following.Add(1)
		defer k.following.Add(-1)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rc := http.NewResponseController(w)
	lw := newLogWriter(w, q)
	more := lw.write(since(tail(lines, q.tailLines), q.since, sorted))
	if err := lw.flush(rc); err != nil || !more || !q.follow {
		return
	}

	// Follow: stream lines appended later until the client goes away (the
	// API server cancels the request when its own client disconnects).
	pos := len(lines)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-k.closed:
			return
		case <-changed:
		}
		k.mu.Lock()
		if cl.generation != generation {
			generation, pos = cl.generation, 0
		}
		added := cl.lines[pos:]
		pos, sorted, changed = len(cl.lines), cl.sorted, cl.changed
		k.mu.Unlock()
		more := lw.write(since(added, q.since, sorted))
		if err := lw.flush(rc); err != nil || !more {
			return
		}
	}
}

// logQuery is the kubelet's view of the pods/log options.
type logQuery struct {
	follow, previous, timestamps bool
	tailLines                    int64 // -1: all lines
	limitBytes                   int64 // -1: no limit
	since                        time.Time
	stderrOnly                   bool
}

// parseLogQuery decodes and validates the query the way the kubelet does,
// answering with the kubelet's status codes and messages on bad input.
func parseLogQuery(v map[string][]string, now time.Time) (logQuery, int, string) {
	const (
		decodeErr  = `{"message": "Unable to decode query."}`
		invalidErr = `{"message": "Invalid request."}`
	)
	get := func(name string) (string, bool) {
		if vals := v[name]; len(vals) > 0 {
			return vals[0], true
		}
		return "", false
	}
	q := logQuery{tailLines: -1, limitBytes: -1}
	for name, dst := range map[string]*bool{"follow": &q.follow, "previous": &q.previous, "timestamps": &q.timestamps} {
		if s, ok := get(name); ok {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return q, http.StatusBadRequest, decodeErr
			}
			*dst = b
		}
	}
	// "tail" is the kubelet's legacy spelling of tailLines; "all" means no limit.
	if s, ok := get("tail"); ok {
		if s == "all" {
			delete(v, "tailLines")
		} else {
			v["tailLines"] = []string{s}
		}
	}
	var sinceSeconds int64
	for name, dst := range map[string]*int64{"tailLines": &q.tailLines, "limitBytes": &q.limitBytes, "sinceSeconds": &sinceSeconds} {
		if s, ok := get(name); ok {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return q, http.StatusBadRequest, decodeErr
			}
			*dst = n
			if n < 0 || (name != "tailLines" && n == 0) {
				return q, http.StatusUnprocessableEntity, invalidErr
			}
		}
	}
	sinceTime, hasSinceTime := get("sinceTime")
	if hasSinceTime && sinceSeconds > 0 {
		return q, http.StatusUnprocessableEntity, invalidErr
	}
	if sinceSeconds > 0 {
		q.since = now.Add(-time.Duration(sinceSeconds) * time.Second)
	}
	if hasSinceTime {
		t, err := time.Parse(time.RFC3339, sinceTime)
		if err != nil {
			return q, http.StatusBadRequest, decodeErr
		}
		q.since = t
	}
	if s, ok := get("stream"); ok {
		switch s {
		case "All", "Stdout":
		case "Stderr":
			q.stderrOnly = true // every stored line is stdout
		default:
			return q, http.StatusUnprocessableEntity, invalidErr
		}
	}
	return q, 0, ""
}

// logWriter writes lines as a kubelet does: an optional timestamp prefix and
// a byte limit that may cut the last line short and then ends the stream.
type logWriter struct {
	buf     *bufio.Writer
	q       logQuery
	remain  int64
	scratch []byte
	err     error
}

func newLogWriter(w io.Writer, q logQuery) *logWriter {
	remain := int64(-1)
	if q.limitBytes > 0 {
		remain = q.limitBytes
	}
	return &logWriter{buf: bufio.NewWriterSize(w, 64<<10), q: q, remain: remain}
}

// write writes lines and reports whether more may follow (false once the
// byte limit is reached or the client is gone).
func (lw *logWriter) write(lines []LogLine) bool {
	if lw.q.stderrOnly {
		return lw.err == nil
	}
	for _, l := range lines {
		if lw.err != nil || lw.remain == 0 {
			return false
		}
		b := lw.scratch[:0]
		if lw.q.timestamps {
			b = l.Time.UTC().AppendFormat(b, kubeletTimeFormat)
			b = append(b, ' ')
		}
		b = append(b, l.Text...)
		b = append(b, '\n')
		lw.scratch = b
		if lw.remain >= 0 && int64(len(b)) > lw.remain {
			b = b[:lw.remain]
		}
		if _, err := lw.buf.Write(b); err != nil {
			lw.err = err
			return false
		}
		if lw.remain >= 0 {
			lw.remain -= int64(len(b))
		}
	}
	return lw.err == nil && lw.remain != 0
}

// flush pushes buffered output to the client now, which matters for follow.
func (lw *logWriter) flush(rc *http.ResponseController) error {
	if lw.err != nil {
		return lw.err
	}
	if err := lw.buf.Flush(); err != nil {
		return err
	}
	if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}
