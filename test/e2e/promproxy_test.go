package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/netns"
	"github.com/logbackup/kubectl-logbackup/test/promserver"
	"github.com/logbackup/kubectl-logbackup/test/tikvmetrics"
)

// Where kube-prometheus puts its Prometheus, and so where the plugin looks
// for it first.
const (
	promNamespace = "monitoring"
	promService   = "prometheus-k8s"
	promPortName  = "web"
	promPort      = 9090
)

// promQueryPath is an instant query through the API server's service proxy,
// as the plugin makes it.
const promQueryPath = "/api/v1/namespaces/" + promNamespace + "/services/" + promService + ":" + promPortName + "/proxy/api/v1/query"

// promAnswer is Prometheus' answer to an instant query.
type promAnswer struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	} `json:"data"`
}

// The chain the plugin's Prometheus support uses, on real parts: TiKV and
// TiDB metrics (tikvmetrics, on the host end of a netns pair) -> a real
// Prometheus in the namespace scraping them every second -> the Service
// monitoring/prometheus-k8s in the API server -> the API server's service
// proxy -> an admin's query gets the series; a user without services/proxy
// is refused. Prometheus runs in a namespace because the API server does
// not proxy to loopback addresses. Afterwards nothing is left: no namespace,
// veth, Prometheus process or API object.
func TestPromProxy(t *testing.T) {
	began := time.Now()
	var ns *netns.NS
	var prom *promserver.Server
	t.Run("chain", func(t *testing.T) {
		ns = netns.New(t)
		t.Logf("network namespace %s (%s <-> %s) set up in %v", ns.Name, ns.HostIP, ns.IP, ns.SetupTime.Round(time.Millisecond))
		tidb := tikvmetrics.Start(t, ns.HostIP, 3)
		checkpoint := time.Now().Add(-90 * time.Second)
		tidb.StartTask("pitr-nightly", checkpoint)
		tidb.StartTask("pitr-paused", checkpoint)
		tidb.SetTaskState("pitr-paused", tikvmetrics.Paused)

		prom = promserver.Start(t, promserver.Options{
			Config: "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n" +
				tidb.ScrapeConfigs(map[string]string{"namespace": "tidb-e2e", "cluster": "basic"}),
			Wrap:       ns.Command,
			ListenHost: ns.IP,
			// Prometheus applies new targets every 5s (a hidden flag): the
			// first scrape would come 5 to 7 seconds after the start.
			Flags: []string{"--scrape.discovery-reload-interval=100ms"},
		})
		t.Logf("Prometheus ready at %s after %v", prom.URL, time.Since(began).Round(time.Millisecond))
		exposePrometheus(t, prom)

		admin, err := kubernetes.NewForConfig(s.cluster.Admin)
		if err != nil {
			t.Fatal(err)
		}
		var answer promAnswer
		waitFor(t, "the series through the service proxy", func() bool {
			answer, err = proxiedQuery(t.Context(), admin, "tikv_log_backup_task_status")
			return err == nil && answer.Status == "success" && len(answer.Data.Result) == 6
		})
		t.Logf("first proxied answer with all series after %v", time.Since(began).Round(time.Millisecond))
		checkTaskSeries(t, answer, tidb)

		t.Run("without services/proxy", func(t *testing.T) {
			// May read the Service itself, not proxy to it.
			grant(t, cluster.UserRestricted, promNamespace, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"services"}, Verbs: []string{"get", "list"}})
			restricted, err := kubernetes.NewForConfig(s.cluster.RestConfig(cluster.UserRestricted))
			if err != nil {
				t.Fatal(err)
			}
			_, err = proxiedQuery(t.Context(), restricted, "tikv_log_backup_task_status")
			if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `"services/proxy"`) {
				t.Fatalf("a user without services/proxy got %v, want forbidden on services/proxy", err)
			}
		})
		t.Run("with services/proxy", func(t *testing.T) {
			// The control: the same user, granted the subresource, gets
			// through, so the refusal above was for the permission.
			grant(t, cluster.UserRestricted, promNamespace, rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"services/proxy"}, Verbs: []string{"get"}})
			restricted, err := kubernetes.NewForConfig(s.cluster.RestConfig(cluster.UserRestricted))
			if err != nil {
				t.Fatal(err)
			}
			// RBAC reaches the authorizer through an informer.
			waitFor(t, "the granted user's query", func() bool {
				answer, err = proxiedQuery(t.Context(), restricted, "tikv_log_backup_task_status")
				return err == nil && answer.Status == "success" && len(answer.Data.Result) == 6
			})
		})
	})
	if ns == nil || prom == nil {
		return
	}
	checkNothingLeft(t, ns, prom)
	t.Logf("test took %v", time.Since(began).Round(time.Millisecond))
}

// exposePrometheus makes prom the Service monitoring/prometheus-k8s, port
// web 9090, as kube-prometheus deploys it, until the test ends.
func exposePrometheus(t *testing.T, prom *promserver.Server) {
	t.Helper()
	exposePrometheusAs(t, prom, map[string]string{"app.kubernetes.io/name": "prometheus"})
}

// exposePrometheusAs is exposePrometheus with the Service's labels.
func exposePrometheusAs(t *testing.T, prom *promserver.Server, labels map[string]string) {
	t.Helper()
	u, err := url.Parse(prom.URL)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	b := cluster.Backend{Namespace: promNamespace, Name: promService, PortName: promPortName, Port: promPort, TargetPort: int32(port),
		IP: u.Hostname(), Labels: labels}
	if err := cluster.ExposeService(t.Context(), s.env.Kube, b); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cluster.RemoveService(context.Background(), s.env.Kube, promNamespace, promService); err != nil {
			t.Error(err)
		}
	})
}

// proxiedQuery runs an instant query through the API server's service
// proxy as the client's user.
func proxiedQuery(ctx context.Context, client kubernetes.Interface, query string) (promAnswer, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res := client.CoreV1().RESTClient().Get().AbsPath(promQueryPath).Param("query", query).Do(ctx)
	body, err := res.Raw()
	if err != nil {
		// Raw (and DoRaw) make the API server's own refusal, a JSON
		// Status, an error that says "unknown"; Error decodes the Status.
		return promAnswer{}, res.Error()
	}
	var a promAnswer
	err = json.Unmarshal(body, &a)
	return a, err
}

// checkTaskSeries checks the six task series: one per task per store, with
// the store's own instance, the scrape's labels and the task's state.
func checkTaskSeries(t *testing.T, a promAnswer, tidb *tikvmetrics.Cluster) {
	t.Helper()
	if a.Data.ResultType != "vector" {
		t.Fatalf("result type %q", a.Data.ResultType)
	}
	seen := map[string][]string{} // task -> instances
	for _, r := range a.Data.Result {
		m := r.Metric
		want := "0"
		if m["task"] == "pitr-paused" {
			want = "1"
		}
		if m["job"] != "tikv" || m["namespace"] != "tidb-e2e" || m["cluster"] != "basic" || r.Value[1] != want {
			t.Errorf("series %v = %v, want job tikv, namespace tidb-e2e, cluster basic, value %s", m, r.Value[1], want)
		}
		seen[m["task"]] = append(seen[m["task"]], m["instance"])
	}
	want := tidb.TiKVTargets()
	slices.Sort(want)
	for _, task := range []string{"pitr-nightly", "pitr-paused"} {
		got := seen[task]
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("task %s on instances %v, want %v", task, got, want)
		}
	}
}

// checkNothingLeft checks what the chain's cleanups removed: the namespace
// and its veth, the Prometheus process, the API objects.
func checkNothingLeft(t *testing.T, ns *netns.NS, prom *promserver.Server) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("/run/netns", ns.Name)); err == nil {
		t.Errorf("network namespace %s is left", ns.Name)
	}
	if _, err := net.InterfaceByName(ns.HostIface); err == nil {
		t.Errorf("interface %s is left", ns.HostIface)
	}
	// The process is told by its configuration file, which is the test's.
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), prom.ConfigFile) {
			t.Errorf("Prometheus is still running: %s", strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	ctx := context.Background()
	core := s.env.Kube.CoreV1()
	if _, err := core.Services(promNamespace).Get(ctx, promService, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Service %s/%s: %v, want not found", promNamespace, promService, err)
	}
	if _, err := s.env.Kube.DiscoveryV1().EndpointSlices(promNamespace).Get(ctx, promService, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("EndpointSlice %s/%s: %v, want not found", promNamespace, promService, err)
	}
	if _, err := core.Pods(promNamespace).Get(ctx, promService+"-0", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Pod %s/%s-0: %v, want not found", promNamespace, promService, err)
	}
}
