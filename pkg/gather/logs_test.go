package gather

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/report"
)

// lineSource produces a log of many lines without holding it: line(i, buf)
// appends line i, newline included, to buf.
type lineSource struct {
	n, i int
	line func(i int, buf []byte) []byte
	buf  []byte
	pos  int
}

func newLineSource(n int, line func(i int, buf []byte) []byte) *lineSource {
	return &lineSource{n: n, line: line}
}

func (s *lineSource) Read(p []byte) (int, error) {
	if s.pos == len(s.buf) {
		if s.i == s.n {
			return 0, io.EOF
		}
		s.buf, s.pos = s.line(s.i, s.buf[:0]), 0
		s.i++
	}
	n := copy(p, s.buf[s.pos:])
	s.pos += n
	return n, nil
}

// filler returns lines of size bytes (newline included) that start with
// "line I " and end with " end I".
func filler(size int) func(int, []byte) []byte {
	return func(i int, buf []byte) []byte {
		start := len(buf)
		buf = strconv.AppendInt(append(buf, "line "...), int64(i), 10)
		buf = append(buf, ' ')
		digits := len(strconv.Itoa(i))
		buf = append(buf, xs[:size-(len(buf)-start)-len(" end \n")-digits]...)
		buf = strconv.AppendInt(append(buf, " end "...), int64(i), 10)
		return append(buf, '\n')
	}
}

var xs = bytes.Repeat([]byte("x"), 128<<10)

func keptBytes(lines []logLine) int64 {
	var n int64
	for _, l := range lines {
		n += keptSize(l)
	}
	return n
}

// However large keep is, the kept lines stay within MaxKeptBytes, and they
// are the newest ones, in order.
func TestScanLinesByteBudget(t *testing.T) {
	for _, size := range []int{MaxLineBytes, 100 << 10} {
		const lines = 2000 // 16 MB or more: four times the budget and more
		s, err := scanLines(newLineSource(lines, filler(size)), noLimit, 10000, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		kept := keptBytes(s.lines)
		t.Logf("lines of %d bytes, keep 10000: %d lines kept, %d bytes (peak %d)", size, len(s.lines), kept, s.peakKept)
		if kept > MaxKeptBytes || s.peakKept > MaxKeptBytes {
			t.Errorf("kept %d bytes (peak %d), more than the budget %d", kept, s.peakKept, MaxKeptBytes)
		}
		if len(s.lines) < MaxKeptBytes/(MaxLineBytes+lineOverhead+64)-1 {
			t.Errorf("only %d lines kept: the budget holds more", len(s.lines))
		}
		if s.scanned != lines || s.matched != lines {
			t.Errorf("scanned %d matched %d, want %d", s.scanned, s.matched, lines)
		}
		for i, l := range s.lines {
			n := lines - len(s.lines) + i
			if !strings.HasPrefix(l.Text, fmt.Sprintf("line %d ", n)) || !strings.HasSuffix(l.Text, fmt.Sprintf(" end %d", n)) {
				t.Fatalf("kept line %d is %.20q...%q, want line %d", i, l.Text, l.Text[len(l.Text)-12:], n)
			}
		}
	}
	// Short lines: keep still decides.
	s, err := scanLines(newLineSource(20000, filler(100)), noLimit, 10000, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.lines) != 10000 || !strings.HasPrefix(s.lines[0].Text, "line 10000 ") {
		t.Errorf("short lines: %d kept, first %.12q; want the last 10000", len(s.lines), s.lines[0].Text)
	}
}

// The ring grows with what it holds, not to keep at once.
func TestLineRingGrowsWithUse(t *testing.T) {
	r := lineRing{keep: 10000, budget: MaxKeptBytes}
	for i := range 3 {
		r.push(logLine{Text: strconv.Itoa(i)})
	}
	if len(r.buf) > 64 {
		t.Errorf("3 lines took a buffer of %d", len(r.buf))
	}
	r = lineRing{keep: 3, budget: MaxKeptBytes}
	for i := range 10 {
		r.push(logLine{Text: strconv.Itoa(i)})
	}
	var got []string
	for _, l := range r.ordered() {
		got = append(got, l.Text)
	}
	if strings.Join(got, ",") != "7,8,9" {
		t.Errorf("keep 3 of 10: %v", got)
	}
}

// A log cut at --limit-bytes in the middle of a line: the scan says so, and
// the line says that what it shows last is not its end.
func TestScanLinesMarksTheLimitCut(t *testing.T) {
	end := " Error: AccessDenied at the end"
	three := "START " + strings.Repeat("x", 3<<20) + end + "\n"
	s, err := scanLines(strings.NewReader("a\n"+three), 1000, 10, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.truncated || s.bytes != 1000 || len(s.lines) != 2 {
		t.Fatalf("truncated %v, %d bytes, %d lines; want truncated, 1000, 2", s.truncated, s.bytes, len(s.lines))
	}
	last := s.lines[1].Text
	if !strings.HasPrefix(last, "START x") || !strings.HasSuffix(last, "x"+LimitMarker) || strings.Contains(last, "AccessDenied") ||
		len(last) != 998+len(LimitMarker) {
		t.Errorf("last line: %d bytes, %.10q...%q", len(last), last, last[len(last)-40:])
	}

	// Past MaxLineBytes: cut in the middle, and at the limit.
	nine := "START " + strings.Repeat("x", 9<<20) + end + "\n"
	s, err = scanLines(strings.NewReader(nine), 8<<20, 10, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	last = s.lines[0].Text
	if !s.truncated || !strings.HasPrefix(last, "START ") || !strings.Contains(last, " bytes cut] …xxx") ||
		!strings.HasSuffix(last, "xxx"+LimitMarker) || strings.Contains(last, "AccessDenied") || len(last) > MaxLineBytes+64 {
		t.Errorf("truncated %v, last line %d bytes: %.10q...%q", s.truncated, len(last), last, last[len(last)-60:])
	}

	// Cut just after a newline: truncated, but every line is whole.
	s, _ = scanLines(strings.NewReader("a\nb\nc\n"), 4, 10, false, nil)
	if !s.truncated || strings.Join(s.texts(), ",") != "a,b" {
		t.Errorf("cut after a newline: truncated %v, lines %q", s.truncated, s.texts())
	}
	// Shorter than the limit, even without a final newline: whole.
	s, _ = scanLines(strings.NewReader("a\nb"), 4, 10, false, nil)
	if s.truncated || strings.Join(s.texts(), ",") != "a,b" {
		t.Errorf("within the limit: truncated %v, lines %q", s.truncated, s.texts())
	}
	// Cut inside a character: the partial character goes.
	s, _ = scanLines(strings.NewReader("ab\u00e9cd"), 3, 10, false, nil)
	if got := s.texts(); len(got) != 1 || got[0] != "ab"+LimitMarker {
		t.Errorf("cut inside é: %q", got)
	}
}

// A server that ignores limitBytes sends the whole 3 MB line; the pod-log
// section still reads 1000 bytes and says it was cut.
func TestPodLogCutAtLimitBytes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/namespaces/tidb/pods/backup-nightly-a/log" || r.URL.Query().Get("limitBytes") != "1000" {
			http.Error(w, "unexpected "+r.URL.String(), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, "starting\n[ERROR] response="+strings.Repeat("x", 3<<20)+" AccessDenied\n")
	}))
	defer srv.Close()
	kube, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	one := int32(1)
	pods := []report.Pod{{Name: "backup-nightly-a", Phase: "Failed", Containers: []report.Container{{Name: "backup", State: "terminated", Reason: "Error", ExitCode: &one}}}}
	sec := gatherPodLog(context.Background(), kube, "tidb", pods, 20, 1000, false)
	if sec.Error != "" {
		t.Fatal(sec.Error)
	}
	if !sec.Truncated || len(sec.Lines) != 2 || !strings.HasSuffix(sec.Lines[1], "xxx"+LimitMarker) || sec.LinesOverBudget != 0 {
		t.Errorf("section: truncated %v, %d lines, over budget %d, last ends %q", sec.Truncated, len(sec.Lines), sec.LinesOverBudget, sec.Lines[len(sec.Lines)-1][max(len(sec.Lines[len(sec.Lines)-1])-40, 0):])
	}
}

// 10,000 lines of 100 KiB: what a scan allocates and keeps must not grow
// with keep (kept-B is the most the kept lines held).
func BenchmarkScanLinesLongLines(b *testing.B) {
	for _, keep := range []int{20, 10000} {
		b.Run(fmt.Sprintf("keep=%d", keep), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(10000 * 100 << 10)
			var peak int64
			for b.Loop() {
				s, err := scanLines(newLineSource(10000, filler(100<<10)), noLimit, keep, false, nil)
				if err != nil {
					b.Fatal(err)
				}
				peak = max(peak, s.peakKept)
			}
			b.ReportMetric(float64(peak), "kept-B")
		})
	}
}
