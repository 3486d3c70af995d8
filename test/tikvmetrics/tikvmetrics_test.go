package tikvmetrics

import (
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func TestTSO(t *testing.T) {
	if got := TSO(time.UnixMilli(1)); got != 1<<18 {
		t.Errorf("TSO(1ms) = %d, want %d", got, 1<<18)
	}
	at := time.Date(2026, 11, 25, 10, 30, 0, 123456789, time.UTC)
	if got := TimeOfTSO(TSO(at) + 5); !got.Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("TimeOfTSO(TSO(%v)+5) = %v", at, got)
	}
	// PingCAP's rules read seconds as value / 262144000.
	if s := float64(TSO(at)) / 262144000; s < float64(at.Unix()) || s > float64(at.Unix())+1 {
		t.Errorf("TSO / 262144000 = %v, want %d.123", s, at.Unix())
	}
}

// scrape GETs a target as Prometheus 3 does (asking for protobuf first)
// and parses the answer, which must be in the text format, as TiKV's is.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,text/plain;version=0.0.4;q=0.3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("%s answers %q, want the text format", addr, ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// values are a family's values by their labels ("task=pitr"), "" for none.
func values(t *testing.T, mfs map[string]*dto.MetricFamily, name string, typ dto.MetricType) map[string]float64 {
	t.Helper()
	mf, ok := mfs[name]
	if !ok {
		return nil
	}
	if mf.GetType() != typ {
		t.Errorf("%s is a %v, want a %v", name, mf.GetType(), typ)
	}
	out := map[string]float64{}
	for _, m := range mf.Metric {
		var key []string
		for _, l := range m.Label {
			key = append(key, l.GetName()+"="+l.GetValue())
		}
		v := m.GetGauge().GetValue()
		if typ == dto.MetricType_COUNTER {
			v = m.GetCounter().GetValue()
		}
		out[strings.Join(key, ",")] = v
	}
	return out
}

func TestTheTargetsServeWhatTiKVAndTiDBDo(t *testing.T) {
	c := Start(t, "127.0.0.1", 3)
	checkpoint := time.Now().Add(-time.Minute)
	c.StartTask("pitr", checkpoint)
	c.StartTask("other", checkpoint)
	c.SetStoreTaskState(1, "pitr", Paused)
	c.AddErrors(0, "Io", 2)
	c.AddFatalErrors(2, "Etcd", 1)
	safePoint := time.Now().Add(-time.Hour)
	c.SetSafePoint(safePoint)
	if got := c.AdvanceCheckpoint("pitr", 30*time.Second); !got.Equal(checkpoint.Add(30 * time.Second).Truncate(time.Millisecond)) {
		t.Errorf("AdvanceCheckpoint = %v", got)
	}
	c.RemoveTask("other")

	targets := c.TiKVTargets()
	if len(targets) != 3 || c.Stores() != 3 {
		t.Fatalf("targets %v", targets)
	}
	for i, addr := range targets {
		mfs := scrape(t, addr)
		want := map[string]float64{"task=pitr": 0}
		if i == 1 {
			want["task=pitr"] = 1
		}
		if got := values(t, mfs, "tikv_log_backup_task_status", dto.MetricType_GAUGE); len(got) != 1 || got["task=pitr"] != want["task=pitr"] {
			t.Errorf("store %d: task status %v, want %v", i, got, want)
		}
		errs := values(t, mfs, "tikv_log_backup_errors", dto.MetricType_COUNTER)
		fatal := values(t, mfs, "tikv_log_backup_fatal_errors", dto.MetricType_COUNTER)
		if (i == 0) != (errs["type=Io"] == 2) || (i == 2) != (fatal["type=Etcd"] == 1) {
			t.Errorf("store %d: errors %v, fatal errors %v", i, errs, fatal)
		}
		if got := values(t, mfs, "tikv_log_backup_enabled", dto.MetricType_COUNTER); got[""] != 1 {
			t.Errorf("store %d: enabled %v", i, got)
		}
		sp := values(t, mfs, "tikv_gcworker_autogc_safe_point", dto.MetricType_GAUGE)[""]
		if got := TimeOfTSO(uint64(sp)); got.Sub(safePoint).Abs() > time.Millisecond {
			t.Errorf("store %d: safe point %v, want %v", i, got, safePoint)
		}
	}
	got := values(t, scrape(t, c.TiDBTarget()), "tidb_log_backup_last_checkpoint", dto.MetricType_GAUGE)
	if len(got) != 1 {
		t.Fatalf("TiDB checkpoints %v, want pitr's only", got)
	}
	want, _ := c.Checkpoint("pitr")
	if at := TimeOfTSO(uint64(got["task=pitr"])); at.Sub(want).Abs() > time.Millisecond {
		t.Errorf("TiDB checkpoint %v, want %v", at, want)
	}
}
