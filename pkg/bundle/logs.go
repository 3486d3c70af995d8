package bundle

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// MaxLineBytes is the most kept of one log line; the rest of a longer
// line is dropped with a marker (dropped, not split: a credential split
// in two would pass the redaction).
const MaxLineBytes = 256 << 10

// readBuffer is the reader's buffer: a line longer than it is read in
// pieces, each piece going into the one line kept.
const readBuffer = 64 << 10

// minSplit is the smallest limit split into a head and a tail: below it
// a log is read from its start only.
const minSplit = 64 << 10

// addLog copies one container's log into logs/POD_CONTAINER.log, each
// line redacted and escaped. A log longer than its limit keeps its first
// half and its last lines (a failing BR writes its error at the end), with
// a line between them saying what was left out. A log that cannot be read
// is a note and no file.
func (b *Bundle) addLog(ctx context.Context, r Reader, ref backup.Ref, dir, pod, container string) error {
	where := fmt.Sprintf("%s: pods/log of %s/%s", ref, pod, container)
	limit := b.o.LimitBytes
	if b.o.MaxBytes > 0 {
		left := b.o.MaxBytes - b.logBytes
		if left <= 0 {
			b.Note("%s: left out: the bundle's logs reached --max-bytes=%d", where, b.o.MaxBytes)
			return nil
		}
		limit = min(limit, left)
	}
	head := limit
	if limit >= minSplit {
		head = limit / 2
	}
	rctx, cancel := r.bound(ctx)
	defer cancel()
	stream, err := r.openLog(rctx, ref.Namespace, pod, container, head, 0)
	if err != nil {
		b.Note("%s: %v", where, backupapi.Access(err, "get", "", "pods", "log", ref.Namespace))
		return nil
	}
	defer stream.Close()
	w, err := b.arc.create(path.Join(dir, "logs", safeSegment(b.namer.Replace(pod)+"_"+container)+".log"))
	if err != nil {
		return err
	}
	res, werr := b.copyLog(w, stream, head)
	if werr != nil || res.readErr != nil {
		return b.endLog(w, where, res, werr)
	}
	if res.read < head {
		return nil // the whole log
	}
	if head == limit {
		return b.cutLine(w, limit)
	}
	// The tail: the last lines, as many as three quarters of the other
	// half hold at the head's average line length (the quarter left is
	// for longer lines at the end, where the errors are), read up to that
	// half whatever their length.
	lines := max((limit-head)*3/4/max(res.read/max(res.lines, 1), 1), 1)
	tail, err := r.openLog(rctx, ref.Namespace, pod, container, limit-head, lines)
	if err != nil {
		b.Note("%s: its last lines: %v", where, backupapi.Access(err, "get", "", "pods", "log", ref.Namespace))
		return b.cutLine(w, limit)
	}
	defer tail.Close()
	if _, err := fmt.Fprintf(w, "[… the log is longer than %d bytes: its last %d lines follow (at most %d bytes); the lines between were not read, and when the log is shorter than %d bytes some lines below repeat lines above …]\n", head, lines, limit-head, limit); err != nil {
		return err
	}
	res, werr = b.copyLog(w, tail, limit-head)
	if werr != nil || res.readErr != nil {
		return b.endLog(w, where, res, werr)
	}
	if res.read >= limit-head {
		return b.cutLine(w, limit)
	}
	return nil
}

// copyLog copies at most limit bytes of a log through the line filter,
// counting them against --max-bytes.
func (b *Bundle) copyLog(w io.Writer, in io.Reader, limit int64) (copied, error) {
	res, err := copyLines(w, io.LimitReader(in, limit), b.lineFilter)
	b.written += res.written
	b.logBytes += res.read
	return res, err
}

// endLog ends a log whose copy failed: a write error ends the bundle; a
// read error is a note and the log's last line.
func (b *Bundle) endLog(w io.Writer, where string, res copied, werr error) error {
	if werr != nil {
		return werr
	}
	b.Note("%s: read in part: %v", where, res.readErr)
	_, err := fmt.Fprintf(w, "[the log was read only in part: %s]\n", text.OneLine(text.Redact(res.readErr.Error())))
	return err
}

// cutLine ends a log that reached its limit.
func (b *Bundle) cutLine(w io.Writer, limit int64) error {
	what := fmt.Sprintf("--limit-bytes=%d", b.o.LimitBytes)
	if limit < b.o.LimitBytes {
		what = fmt.Sprintf("--max-bytes=%d for all the logs of the bundle", b.o.MaxBytes)
	}
	_, err := fmt.Fprintf(w, "[cut: the log reached %s; the lines after this one were not read]\n", what)
	return err
}

// lineFilter makes one line from the cluster fit for the bundle: no
// credential, no terminal control, names hidden.
func (b *Bundle) lineFilter(line string) string {
	return b.namer.Replace(text.Clean(text.Redact(line)))
}

// writeLines writes lines already read (the controller's), filtered.
// Names are replaced by writeFile.
func writeLines(w io.Writer, lines []string) error {
	bw := bufio.NewWriter(w)
	var carry text.Carry // a credential may span lines here too
	for _, l := range lines {
		bw.WriteString(text.Clean(text.Redact(carry.Hide(l))))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// copied is what copyLines did.
type copied struct {
	read, written int64
	lines         int64
	readErr       error // the source failed midway
}

// copyLines copies lines from in to w through filter. Memory is bounded
// by MaxLineBytes whatever the input. A text.Carry first hides the lines
// that the lines before make credentials (a PEM key's body, a YAML block
// scalar's lines, a list item after - --password), which filter, seeing
// one line, cannot.
func copyLines(w io.Writer, in io.Reader, filter func(string) string) (copied, error) {
	var res copied
	var carry text.Carry
	br := bufio.NewReaderSize(in, readBuffer)
	bw := bufio.NewWriter(w)
	line := make([]byte, 0, 1024)
	dropped := 0
	flush := func() error {
		s := string(line)
		if dropped > 0 {
			s += fmt.Sprintf(" … [%d bytes of this line left out]", dropped)
		}
		n, err := bw.WriteString(filter(carry.Hide(s)) + "\n")
		res.written += int64(n)
		res.lines++
		line, dropped = line[:0], 0
		return err
	}
	for {
		chunk, err := br.ReadSlice('\n')
		res.read += int64(len(chunk))
		end := len(chunk) > 0 && chunk[len(chunk)-1] == '\n'
		if end {
			chunk = chunk[:len(chunk)-1]
		}
		if room := MaxLineBytes - len(line); len(chunk) > room {
			line = append(line, chunk[:room]...)
			dropped += len(chunk) - room
		} else {
			line = append(line, chunk...)
		}
		if end || (err != nil && !errors.Is(err, bufio.ErrBufferFull) && (len(line) > 0 || dropped > 0)) {
			if werr := flush(); werr != nil {
				return res, werr
			}
		}
		if err == nil || errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if !errors.Is(err, io.EOF) {
			res.readErr = err
		}
		return res, bw.Flush()
	}
}
