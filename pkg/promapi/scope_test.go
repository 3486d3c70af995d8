package promapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
)

// store is one TiKV store's task status series.
func store(instance string, value float64, lbls ...string) *model.Sample {
	m := model.Metric{"__name__": mTaskStatus, "instance": model.LabelValue(instance), "task": "b"}
	for i := 0; i+1 < len(lbls); i += 2 {
		m[model.LabelName(lbls[i])] = model.LabelValue(lbls[i+1])
	}
	return &model.Sample{Metric: m, Value: model.SampleValue(value)}
}

func instances(v model.Vector) string {
	var out []string
	for _, s := range v {
		out = append(out, string(s.Metric["instance"]))
	}
	return strings.Join(out, ",")
}

func TestChooseClusterOne(t *testing.T) {
	series := model.Vector{
		store("tikv-0", 0, "tidb_cluster", "ns-basic"),
		store("tikv-1", 0, "tidb_cluster", "ns-basic"),
	}
	// One cluster: it is the backup's unless its labels say otherwise;
	// its labels scope the queries that follow.
	for _, target := range []Target{
		{Namespace: "ns", Name: "b", Log: true, Cluster: "basic"},
		{Namespace: "ns", Name: "b", Log: true},
	} {
		m, kept, err := chooseCluster(series, target)
		if err != nil || m.String() != `tidb_cluster="ns-basic"` || len(kept) != 2 {
			t.Errorf("chooseCluster(%+v) = %v, %s, %v", target, m, instances(kept), err)
		}
	}
	// Another cluster's task is not this backup's.
	other := Target{Namespace: "other", Name: "b", Log: true, Cluster: "other"}
	if _, _, err := chooseCluster(series, other); !errors.Is(err, errOtherCluster) || !strings.Contains(err.Error(), "only for tidb_cluster=ns-basic") {
		t.Errorf("chooseCluster(%+v): %v, want the other cluster's", other, err)
	}
	// Series with no cluster label at all cannot be told apart: taken.
	bare := model.Vector{store("tikv-0", 0)}
	if m, kept, err := chooseCluster(bare, other); err != nil || len(m) != 0 || len(kept) != 1 {
		t.Errorf("unlabelled: %v, %v, %v", m, kept, err)
	}
	if m, kept, err := chooseCluster(nil, Target{Name: "b"}); err != nil || m != nil || kept != nil {
		t.Errorf("chooseCluster(none) = %v, %v, %v", m, kept, err)
	}
}

func TestChooseClusterTwo(t *testing.T) {
	cases := []struct {
		name   string
		series model.Vector
		target Target
		want   string // the kept instances
		scope  string
	}{
		{
			name: "tidb_cluster",
			series: model.Vector{
				store("a-0", 0, "tidb_cluster", "ns-basic"),
				store("b-0", 2, "tidb_cluster", "ns-other"),
				store("a-1", 1, "tidb_cluster", "ns-basic"),
			},
			target: Target{Namespace: "ns", Name: "b", Cluster: "basic"},
			want:   "a-0,a-1",
			scope:  `tidb_cluster="ns-basic"`,
		},
		{
			name: "tidb_cluster, the cluster in another namespace",
			series: model.Vector{
				store("a-0", 0, "tidb_cluster", "backups-basic"),
				store("b-0", 0, "tidb_cluster", "tidb-basic"),
			},
			target: Target{Namespace: "backups", Name: "b", Cluster: "basic", ClusterNamespace: "tidb"},
			want:   "b-0",
			scope:  `tidb_cluster="tidb-basic"`,
		},
		{
			name: "cluster and kubernetes_namespace",
			series: model.Vector{
				store("a-0", 0, "cluster", "basic", "kubernetes_namespace", "ns1"),
				store("b-0", 0, "cluster", "basic", "kubernetes_namespace", "ns2"),
			},
			target: Target{Namespace: "ns2", Name: "b", Cluster: "basic"},
			want:   "b-0",
			scope:  `cluster="basic",kubernetes_namespace="ns2"`,
		},
		{
			name: "namespace only",
			series: model.Vector{
				store("a-0", 0, "namespace", "ns1"),
				store("b-0", 0, "namespace", "ns2"),
				store("b-1", 0, "namespace", "ns2"),
			},
			target: Target{Namespace: "ns1", Name: "b"},
			want:   "a-0",
			scope:  `namespace="ns1"`,
		},
		{
			name: "pingcap_com_cluster",
			series: model.Vector{
				store("a-0", 0, "pingcap_com_cluster", "one", "namespace", "ns"),
				store("b-0", 0, "pingcap_com_cluster", "two", "namespace", "ns"),
			},
			target: Target{Namespace: "ns", Name: "b", Cluster: "two"},
			want:   "b-0",
			scope:  `namespace="ns",pingcap_com_cluster="two"`,
		},
	}
	for _, c := range cases {
		m, kept, err := chooseCluster(c.series, c.target)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := instances(kept); got != c.want {
			t.Errorf("%s: kept %s, want %s", c.name, got, c.want)
		}
		if got := m.String(); got != c.scope {
			t.Errorf("%s: scope %s, want %s", c.name, got, c.scope)
		}
	}
}

func TestChooseClusterAmbiguous(t *testing.T) {
	cases := []struct {
		name   string
		series model.Vector
		target Target
	}{
		{
			"no cluster in the backup, clusters told by tidb_cluster only",
			model.Vector{store("a", 0, "tidb_cluster", "ns-one"), store("b", 0, "tidb_cluster", "ns-two")},
			Target{Namespace: "ns", Name: "b"},
		},
		{
			"neither is the backup's",
			model.Vector{store("a", 0, "tidb_cluster", "ns-one"), store("b", 0, "tidb_cluster", "ns-two")},
			Target{Namespace: "ns", Name: "b", Cluster: "three"},
		},
		{
			"both in its namespace, the cluster unknown",
			model.Vector{store("a", 0, "namespace", "ns", "cluster", "one"), store("b", 0, "namespace", "ns", "cluster", "two")},
			Target{Namespace: "ns", Name: "b"},
		},
		{
			"no cluster labels the backup can match",
			model.Vector{store("a", 0, "tidb_cluster", "x"), store("b", 0)},
			Target{Namespace: "ns", Name: "b", Cluster: "basic"},
		},
	}
	for _, c := range cases {
		m, kept, err := chooseCluster(c.series, c.target)
		if err == nil {
			t.Errorf("%s: chose %v (%s), want an error", c.name, m, instances(kept))
			continue
		}
		msg := err.Error()
		for _, want := range []string{"--task-labels", `task "b"`, "2 TiDB clusters"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: %q: want %q in it", c.name, msg, want)
			}
		}
		oneLine(t, msg)
	}
	// The example is a real label set of one of them.
	_, _, err := chooseCluster(cases[0].series, cases[0].target)
	if !strings.Contains(err.Error(), "e.g. tidb_cluster=ns-one") {
		t.Errorf("%q: want the example tidb_cluster=ns-one", err)
	}
}

func TestChooseClusterTaskLabels(t *testing.T) {
	series := model.Vector{store("a", 0, "tidb_cluster", "ns-one"), store("b", 0, "tidb_cluster", "ns-two")}
	// --task-labels chose in the query already: whatever came back is
	// kept, nothing is chosen again.
	target := Target{Namespace: "ns", Name: "b", Cluster: "one", TaskLabels: Matchers{{"tidb_cluster", "ns-two"}}}
	m, kept, err := chooseCluster(series, target)
	if err != nil || len(m) != 0 || len(kept) != 2 {
		t.Errorf("chooseCluster = %v, %s, %v", m, instances(kept), err)
	}
}

func TestBelongs(t *testing.T) {
	tg := Target{Namespace: "ns", Cluster: "basic"}
	cases := []struct {
		labels []string
		want   bool
	}{
		{[]string{"tidb_cluster", "ns-basic"}, true},
		{[]string{"tidb_cluster", "ns-other"}, false},
		{[]string{"cluster", "basic"}, true},
		{[]string{"cluster", "basic", "namespace", "other"}, false},
		{[]string{"kubernetes_namespace", "ns"}, true},
		{[]string{"kubernetes_namespace", "ns", "pingcap_com_cluster", "x"}, false},
		{nil, false}, // nothing says it is this cluster's
	}
	for _, c := range cases {
		if got := belongs(store("i", 0, c.labels...).Metric, tg); got != c.want {
			t.Errorf("belongs(%v) = %v, want %v", c.labels, got, c.want)
		}
	}
}

func TestJoinLabels(t *testing.T) {
	if got := strings.Join(joinLabels(nil), ","); got != "instance" {
		t.Errorf("joinLabels(none) = %s", got)
	}
	v := model.Vector{store("a", 0, "namespace", "ns", "tidb_cluster", "ns-basic", "other", "x")}
	if got := strings.Join(joinLabels(v), ","); got != "instance,tidb_cluster,namespace" {
		t.Errorf("joinLabels = %s", got)
	}
}
