package bundle

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/backup"
	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
)

// kubeletLog serves one log as the API server does: tailLines, then
// limitBytes from the start of what is left.
func kubeletLog(log string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out := log
		if n, err := strconv.Atoi(r.URL.Query().Get("tailLines")); err == nil {
			lines := strings.SplitAfter(strings.TrimSuffix(out, "\n"), "\n")
			if n < len(lines) {
				lines = lines[len(lines)-n:]
			}
			out = strings.Join(lines, "")
			if !strings.HasSuffix(out, "\n") {
				out += "\n"
			}
		}
		if n, err := strconv.Atoi(r.URL.Query().Get("limitBytes")); err == nil && n < len(out) {
			out = out[:n]
		}
		_, _ = io.WriteString(w, out)
	}
}

// logInBundle writes one container's log with the given limit and returns
// the file the bundle holds.
func logInBundle(t *testing.T, log string, limit int64) string {
	t.Helper()
	hs := httptest.NewServer(kubeletLog(log))
	defer hs.Close()
	kube, err := kubernetes.NewForConfig(&rest.Config{Host: hs.URL, QPS: -1})
	if err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "bundle")
	b, err := Create(Options{Format: FormatDir, Path: dest, LimitBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	r := Reader{Clients: backupapi.Clients{Kube: kube}}
	if err := b.addLog(context.Background(), r, backup.Ref{Namespace: "tidb", Name: "nightly"}, "b", "pod", "backup"); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(nil, false); err != nil {
		t.Fatal(err)
	}
	return readBundle(t, dest)["b/logs/pod_backup.log"]
}

func numbered(n int) string {
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "[INFO] line %06d of the br log\n", i)
	}
	return sb.String()
}

func TestLogLongerThanItsLimitKeepsItsStartAndItsEnd(t *testing.T) {
	log := numbered(20000) + "[ERROR] the failure at the end\n" // about 650 KB
	got := logInBundle(t, log, 128<<10)
	if !strings.HasPrefix(got, "[INFO] line 000001 of the br log\n") {
		t.Errorf("the start is missing: %.80q", got)
	}
	if !strings.Contains(got, "[ERROR] the failure at the end\n") {
		t.Errorf("the last line (where br writes its error) is missing; the file ends %q", got[max(len(got)-200, 0):])
	}
	if !strings.Contains(got, "[… the log is longer than 65536 bytes: its last ") {
		t.Errorf("no line says what was left out")
	}
	if strings.Contains(got, "line 010000 ") {
		t.Errorf("the middle was read")
	}
	if len(got) > 128<<10+1024 {
		t.Errorf("the file holds %d bytes for a 128 KiB limit", len(got))
	}
}

func TestLogWithinItsLimitIsWhole(t *testing.T) {
	log := numbered(100)
	if got := logInBundle(t, log, 128<<10); got != log {
		t.Errorf("a short log changed:\n%q", got[:min(len(got), 300)])
	}
}

func TestSmallLimitReadsTheStartOnly(t *testing.T) {
	got := logInBundle(t, numbered(1000), 1000)
	if !strings.HasPrefix(got, "[INFO] line 000001") || !strings.Contains(got, "[cut: the log reached --limit-bytes=1000;") {
		t.Errorf("got %q", got)
	}
}
