package promapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// BenchmarkFleet: the figures of 10,000 backups and 10,000 log backup
// tasks (3 stores each), as a large fleet's Prometheus answers them: a
// series per backup for what every backup has (retrying now), per store
// for the task states, per task for the checkpoints, and for the counts
// ("> 0") the tenth of the fleet that retried in the last hour. Each
// answer is read whole by client_golang, then reduced to one small struct
// per backup. Targets: under 2 s and 400 MB allocated per Fleet.
func BenchmarkFleet(b *testing.B) {
	const n = 10000
	series := func(n int, labels func(i int) string, value string) []byte {
		var sb strings.Builder
		sb.WriteString(`{"status":"success","data":{"resultType":"vector","result":[`)
		for i := range n {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"metric":{%s},"value":[1796000000,"%s"]}`, labels(i), value)
		}
		sb.WriteString(`]}}`)
		return []byte(sb.String())
	}
	backups := series(n, func(i int) string { return fmt.Sprintf(`"namespace":"ns-%d","backup":"b-%d"`, i%100, i) }, "1")
	active := series(n/10, func(i int) string { return fmt.Sprintf(`"namespace":"ns-%d","backup":"b-%d"`, (i*10)%100, i*10) }, "2")
	stores := series(3*n, func(i int) string {
		return fmt.Sprintf(`"task":"b-%d","instance":"tikv-%d:20180","tidb_cluster":"ns-%d-basic"`, i/3, i%3, (i/3)%100)
	}, "0")
	checkpoints := series(n, func(i int) string {
		return fmt.Sprintf(`"task":"b-%d","instance":"tidb-0:10080","tidb_cluster":"ns-%d-basic"`, i, i%100)
	}, "4.6e17")
	probe := []byte(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1796000000,"1"]}]}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		q := r.Form.Get("query")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case q == "vector(1)":
			_, _ = w.Write(probe)
		case q == "tikv_log_backup_task_status":
			_, _ = w.Write(stores)
		case strings.HasPrefix(q, "tidb_log_backup_last_checkpoint"):
			_, _ = w.Write(checkpoints)
		case strings.HasSuffix(q, "> 0") || strings.HasSuffix(q, ">= 0"):
			_, _ = w.Write(active)
		default:
			_, _ = w.Write(backups)
		}
	}))
	defer srv.Close()
	o := Connect(context.Background(), Config{URL: srv.URL, Timeout: time.Minute}, Kube{})
	if o.Client == nil {
		b.Fatal(o.Error)
	}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for b.Loop() {
		f := o.Client.Fleet(context.Background(), "", time.Now())
		if len(f.Retries) != n || len(f.Tasks) != n || f.RetriesError != "" {
			b.Fatalf("fleet: %d retries, %d tasks, %q", len(f.Retries), len(f.Tasks), f.RetriesError)
		}
	}
	runtime.ReadMemStats(&after)
	per := time.Since(start) / time.Duration(b.N)
	mb := float64(after.TotalAlloc-before.TotalAlloc) / float64(b.N) / (1 << 20)
	b.ReportMetric(float64(per.Milliseconds()), "ms/fleet")
	if per > 2*time.Second || mb > 400 {
		b.Errorf("a fleet of %d took %s and %.0f MB: targets 2s, 400 MB", n, per, mb)
	}
}
