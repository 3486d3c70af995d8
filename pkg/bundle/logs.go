package bundle

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"

	corev1 "k8s.io/api/core/v1"

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

// addLog copies one container's log into logs/POD_CONTAINER.log, each
// line redacted and escaped. A log that cannot be read is a note and no
// file; one cut at the byte limit ends with a line that says so.
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
	opts := &corev1.PodLogOptions{Container: container, LimitBytes: &limit}
	if r.Since > 0 {
		secs := int64(r.Since.Seconds())
		opts.SinceSeconds = &secs
	}
	rctx, cancel := r.bound(ctx)
	defer cancel()
	stream, err := r.Clients.Kube.CoreV1().Pods(ref.Namespace).GetLogs(pod, opts).Stream(rctx)
	if err != nil {
		b.Note("%s: %v", where, backupapi.Access(err, "get", "", "pods", "log", ref.Namespace))
		return nil
	}
	defer stream.Close()
	w, err := b.arc.create(path.Join(dir, "logs", safeSegment(b.namer.Replace(pod)+"_"+container)+".log"))
	if err != nil {
		return err
	}
	res, werr := copyLines(w, io.LimitReader(stream, limit), b.lineFilter)
	b.written += res.written
	b.logBytes += res.read
	if werr != nil {
		return werr
	}
	if res.readErr != nil {
		b.Note("%s: read in part: %v", where, res.readErr)
		_, werr = fmt.Fprintf(w, "[the log was read only in part: %s]\n", text.OneLine(text.Redact(res.readErr.Error())))
	} else if res.read >= limit {
		what := fmt.Sprintf("--limit-bytes=%d", b.o.LimitBytes)
		if limit < b.o.LimitBytes {
			what = fmt.Sprintf("--max-bytes=%d for all the logs of the bundle", b.o.MaxBytes)
		}
		_, werr = fmt.Fprintf(w, "[cut: the log reached %s; the lines after this one were not read]\n", what)
	}
	return werr
}

// lineFilter makes one line from the cluster fit for the bundle: no
// credential, no terminal control, names hidden.
func (b *Bundle) lineFilter(line string) string {
	return b.namer.Replace(text.Clean(RedactText(line)))
}

// writeLines writes lines already read (the controller's), filtered.
// Names are replaced by writeFile.
func writeLines(w io.Writer, lines []string) error {
	bw := bufio.NewWriter(w)
	for _, l := range lines {
		bw.WriteString(text.Clean(RedactText(l)))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// copied is what copyLines did.
type copied struct {
	read, written int64
	readErr       error // the source failed midway
}

// copyLines copies lines from in to w through filter. Memory is bounded
// by MaxLineBytes whatever the input.
func copyLines(w io.Writer, in io.Reader, filter func(string) string) (copied, error) {
	var res copied
	br := bufio.NewReaderSize(in, readBuffer)
	bw := bufio.NewWriter(w)
	line := make([]byte, 0, 1024)
	dropped := 0
	flush := func() error {
		s := string(line)
		if dropped > 0 {
			s += fmt.Sprintf(" … [%d bytes of this line left out]", dropped)
		}
		n, err := bw.WriteString(filter(s) + "\n")
		res.written += int64(n)
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
