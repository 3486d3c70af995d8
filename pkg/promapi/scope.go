package promapi

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/prometheus/common/model"
)

// clusterLabels are the target labels that tell one TiDB cluster's TiKV
// and TiDB series from another's: TidbMonitor's and the v2 PodMonitor's
// relabeling (tidb_cluster = "<namespace>-<cluster>", cluster,
// kubernetes_namespace), prometheus-operator's own namespace, and a
// podTargetLabels copy of v2's pingcap.com/cluster.
var clusterLabels = []model.LabelName{"tidb_cluster", "cluster", "kubernetes_namespace", "namespace", "pingcap_com_cluster"}

// identity is the values of clusterLabels on a series, in order.
func identity(m model.Metric) string {
	parts := make([]string, len(clusterLabels))
	for i, l := range clusterLabels {
		parts[i] = string(m[l])
	}
	return strings.Join(parts, "\x00")
}

// chooseCluster keeps the series of the backup's TiDB cluster when the
// task is reported by more than one cluster. With --task-labels the
// query already chose. It returns the matchers that select the chosen
// cluster's series (empty when there was nothing to choose).
func chooseCluster(series model.Vector, t Target) (Matchers, model.Vector, error) {
	ids := map[string]model.Metric{}
	for _, s := range series {
		ids[identity(s.Metric)] = s.Metric
	}
	if len(t.TaskLabels) > 0 || len(series) == 0 {
		return nil, series, nil
	}
	if len(ids) == 1 {
		// One cluster runs it: this backup's, unless its labels say
		// another cluster or namespace (then this cluster has no task).
		if ok, labelled := match(series[0].Metric, t); labelled && !ok {
			return nil, nil, fmt.Errorf("%w: TiKV reports task %q only for %s, not for %s", errOtherCluster, t.Name, example(ids), t.clusterName())
		}
		return clusterMatchers(series[0].Metric), series, nil
	}
	var kept model.Vector
	var chosenMetric model.Metric
	for _, s := range series {
		if belongs(s.Metric, t) {
			kept = append(kept, s)
			chosenMetric = s.Metric
		}
	}
	chosen := map[string]bool{}
	for _, s := range kept {
		chosen[identity(s.Metric)] = true
	}
	if len(chosen) != 1 {
		return nil, nil, fmt.Errorf("task %q is reported by %d TiDB clusters and the labels do not say which is %s: choose with --task-labels (e.g. %s)",
			t.Name, len(ids), t.clusterName(), example(ids))
	}
	return clusterMatchers(chosenMetric), kept, nil
}

// clusterMatchers are the cluster labels a series carries, as matchers.
func clusterMatchers(m model.Metric) Matchers {
	var out Matchers
	for _, l := range clusterLabels {
		if v, ok := m[l]; ok {
			out = append(out, Matcher{string(l), string(v)})
		}
	}
	return out
}

// errOtherCluster: the only series of the task are another cluster's.
var errOtherCluster = errors.New("another TiDB cluster's task")

func (t Target) clusterNS() string {
	if t.ClusterNamespace != "" {
		return t.ClusterNamespace
	}
	return t.Namespace
}

func (t Target) clusterName() string {
	if t.Cluster == "" {
		return "the backup's"
	}
	return t.clusterNS() + "/" + t.Cluster
}

// belongs tells a series of the backup's own TiDB cluster, by whichever
// of the known labels it carries; a label it lacks does not count against
// it, a label that names another cluster or namespace does, and a series
// with none of them cannot be told apart.
func belongs(m model.Metric, t Target) bool {
	ok, labelled := match(m, t)
	return ok && labelled
}

// match: ok when no known label contradicts the backup's cluster;
// labelled when the series carries at least one it could be checked by.
func match(m model.Metric, t Target) (ok, labelled bool) {
	ns, cl := t.clusterNS(), t.Cluster
	check := func(l model.LabelName, want string) bool {
		v, has := m[l]
		if !has || want == "" {
			return true
		}
		labelled = true
		return string(v) == want
	}
	tc := ""
	if cl != "" {
		tc = ns + "-" + cl
	}
	ok = check("tidb_cluster", tc) && check("cluster", cl) && check("pingcap_com_cluster", cl) &&
		check("kubernetes_namespace", ns) && check("namespace", ns)
	return ok, labelled
}

func example(ids map[string]model.Metric) string {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m := ids[keys[0]]
	var parts []string
	for _, l := range clusterLabels {
		if v, ok := m[l]; ok {
			parts = append(parts, string(l)+"="+string(v))
		}
	}
	return strings.Join(parts, ",")
}

// joinLabels are the labels a TiKV metric without a task label (errors,
// the GC safe point) is matched on to the task's status series: the
// store's instance and the cluster labels the series carry, so stores of
// another cluster with the same instance name do not count.
func joinLabels(series model.Vector) []string {
	out := []string{string(model.InstanceLabel)}
	if len(series) == 0 {
		return out
	}
	for _, l := range clusterLabels {
		if _, ok := series[0].Metric[l]; ok {
			out = append(out, string(l))
		}
	}
	return out
}
