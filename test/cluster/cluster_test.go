package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// startCluster starts a cluster for one test and stops it at the end. A
// missing tools folder fails the test: skipping would hide that the
// end-to-end suite did not run.
func startCluster(t *testing.T) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{})
	if err != nil {
		t.Fatalf("start test cluster: %v", err)
	}
	t.Logf("test cluster started in %v at %s", c.StartupTime.Round(time.Millisecond), c.Server)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("control-plane output:%s", c.LogTail())
		}
		c.Stop()
	})
	return c
}

func TestCluster(t *testing.T) {
	c := startCluster(t)
	admin, err := kubernetes.NewForConfig(c.Admin)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("discovery", func(t *testing.T) { testDiscovery(t, c) })
	t.Run("node", func(t *testing.T) { testNode(t, c, admin) })
	t.Run("pod logs", func(t *testing.T) { testPodLogs(t, c, admin) })
	t.Run("follow", func(t *testing.T) { testFollow(t, c, admin) })
	t.Run("rbac", func(t *testing.T) { testRBAC(t, c, admin) })
	t.Run("status subresource", func(t *testing.T) { testStatusSubresource(t, c) })
	t.Run("kubeconfig", func(t *testing.T) { testKubeconfig(t, c, admin) })
	t.Run("install CRDs again", func(t *testing.T) {
		if err := InstallCRDs(t.Context(), c.Admin); err != nil {
			t.Fatalf("second InstallCRDs: %v", err)
		}
	})
	t.Run("service proxy", func(t *testing.T) { testServiceProxy(t, admin) })
	t.Run("stop", func(t *testing.T) { testStop(t, c) })
}

func testDiscovery(t *testing.T, c *Cluster) {
	dc, err := discovery.NewDiscoveryClientForConfig(c.RestConfig(UserRestricted))
	if err != nil {
		t.Fatal(err)
	}
	_, lists, err := dc.ServerGroupsAndResources()
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	got := map[string][]string{}
	for _, l := range lists {
		for _, r := range l.APIResources {
			got[l.GroupVersion] = append(got[l.GroupVersion], r.Name)
		}
	}
	for gv, want := range map[string][]string{
		"pingcap.com/v1alpha1":    {"backups"},
		"br.pingcap.com/v1alpha1": {"backups", "backups/status"},
	} {
		slices.Sort(got[gv])
		if !slices.Equal(got[gv], want) {
			t.Errorf("discovery of %s lists %v, want %v", gv, got[gv], want)
		}
	}
	for _, l := range lists {
		if l.GroupVersion != "pingcap.com/v1alpha1" {
			continue
		}
		for _, r := range l.APIResources {
			if r.Name == "backups" && (!slices.Equal(r.ShortNames, []string{"bk"}) || r.Kind != "Backup" || !r.Namespaced) {
				t.Errorf("pingcap.com backups: shortNames %v kind %s namespaced %v", r.ShortNames, r.Kind, r.Namespaced)
			}
		}
	}
}

func testNode(t *testing.T, c *Cluster, admin kubernetes.Interface) {
	node, err := admin.CoreV1().Nodes().Get(t.Context(), c.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := node.Status.DaemonEndpoints.KubeletEndpoint.Port; int(got) != c.Kubelet.Port() {
		t.Errorf("kubelet port %d, want %d", got, c.Kubelet.Port())
	}
	if !slices.Equal(node.Status.Addresses, []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}) {
		t.Errorf("addresses %v", node.Status.Addresses)
	}
	ready := slices.ContainsFunc(node.Status.Conditions, func(c corev1.NodeCondition) bool {
		return c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue
	})
	if !ready {
		t.Errorf("node not Ready: %v", node.Status.Conditions)
	}
}

// createNamespace makes a namespace for one test: there is no namespace
// controller, so namespaces are never deleted.
func createNamespace(t *testing.T, admin kubernetes.Interface, prefix string) string {
	t.Helper()
	ns, err := admin.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// createBackupPod creates a Pod shaped like an operator's backup Pod, bound
// to the fake node. It needs no ServiceAccount: that admission is disabled.
func createBackupPod(t *testing.T, c *Cluster, admin kubernetes.Interface, ns, name string) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"app.kubernetes.io/name":      "backup",
			"app.kubernetes.io/component": "backup",
		}},
		Spec: corev1.PodSpec{
			NodeName:       c.NodeName,
			RestartPolicy:  corev1.RestartPolicyNever,
			InitContainers: []corev1.Container{{Name: "br", Image: "pingcap/br:v8.5.0"}},
			Containers: []corev1.Container{
				{Name: "backup", Image: "pingcap/tidb-backup-manager:v1.6.6"},
				{Name: "sidecar", Image: "busybox"},
			},
		},
	}
	if _, err := admin.CoreV1().Pods(ns).Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod: %v", err)
	}
}

func getLogs(t *testing.T, admin kubernetes.Interface, ns, pod string, opts *corev1.PodLogOptions) (string, error) {
	t.Helper()
	b, err := admin.CoreV1().Pods(ns).GetLogs(pod, opts).DoRaw(t.Context())
	return string(b), err
}

func testPodLogs(t *testing.T, c *Cluster, admin kubernetes.Interface) {
	ns := createNamespace(t, admin, "logs")
	createBackupPod(t, c, admin, ns, "backup-demo")

	base := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var lines []LogLine
	var all strings.Builder
	for i := range 100 {
		l := LogLine{Time: base.Add(time.Duration(i) * time.Second), Text: fmt.Sprintf("backup line %03d", i)}
		lines = append(lines, l)
		all.WriteString(l.Text + "\n")
	}
	c.Kubelet.SetLog(ns, "backup-demo", "backup", lines)
	c.Kubelet.SetLog(ns, "backup-demo", "br", []LogLine{{Time: base, Text: "copied br"}})
	c.Kubelet.ResetRequests()

	check := func(name string, opts *corev1.PodLogOptions, want string) {
		t.Helper()
		got, err := getLogs(t, admin, ns, "backup-demo", opts)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		if got != want {
			t.Errorf("%s: got %d bytes %q..., want %d bytes %q...", name, len(got), head(got), len(want), head(want))
		}
	}
	check("all", &corev1.PodLogOptions{Container: "backup"}, all.String())
	check("init container", &corev1.PodLogOptions{Container: "br"}, "copied br\n")
	check("tailLines", &corev1.PodLogOptions{Container: "backup", TailLines: new(int64(3))},
		"backup line 097\nbackup line 098\nbackup line 099\n")
	check("limitBytes", &corev1.PodLogOptions{Container: "backup", LimitBytes: new(int64(20))},
		"backup line 000\nback")
	check("sinceTime", &corev1.PodLogOptions{Container: "backup", SinceTime: &metav1.Time{Time: base.Add(98 * time.Second)}},
		"backup line 098\nbackup line 099\n")
	check("tailLines and sinceTime", &corev1.PodLogOptions{Container: "backup", TailLines: new(int64(5)), SinceTime: &metav1.Time{Time: base.Add(97 * time.Second)}},
		"backup line 097\nbackup line 098\nbackup line 099\n")
	check("timestamps", &corev1.PodLogOptions{Container: "backup", TailLines: new(int64(1)), Timestamps: true},
		"2026-11-25T10:01:39.000000000Z backup line 099\n")

	// sinceSeconds counts back from the kubelet's clock.
	now := time.Now()
	c.Kubelet.SetLog(ns, "backup-demo", "sidecar", []LogLine{
		{Time: now.Add(-2 * time.Hour), Text: "old"},
		{Time: now.Add(-time.Second), Text: "recent"},
	})
	check("sinceSeconds", &corev1.PodLogOptions{Container: "sidecar", SinceSeconds: new(int64(600))}, "recent\n")

	// The API server passes the options on as query parameters.
	var sawTail bool
	for _, r := range c.Kubelet.Requests() {
		if strings.HasPrefix(r, "/containerLogs/"+ns+"/backup-demo/backup?") && strings.Contains(r, "tailLines=3") {
			sawTail = true
		}
	}
	if !sawTail {
		t.Errorf("no kubelet request with tailLines=3 in %v", c.Kubelet.Requests())
	}

	// A container the kubelet has no log for: the kubelet's 404 reaches the client.
	createBackupPod(t, c, admin, ns, "no-logs")
	_, err := getLogs(t, admin, ns, "no-logs", &corev1.PodLogOptions{Container: "backup"})
	if !apierrors.IsNotFound(err) {
		t.Errorf("logs of a pod the kubelet does not know: err %v, want NotFound", err)
	}
	// A container not in the pod's spec is refused by the API server itself.
	_, err = getLogs(t, admin, ns, "backup-demo", &corev1.PodLogOptions{Container: "nope"})
	if !apierrors.IsBadRequest(err) {
		t.Errorf("logs of an unknown container: err %v, want BadRequest", err)
	}
}

func head(s string) string {
	if len(s) > 60 {
		return s[:60]
	}
	return s
}

func testFollow(t *testing.T, c *Cluster, admin kubernetes.Interface) {
	ns := createNamespace(t, admin, "follow")
	createBackupPod(t, c, admin, ns, "streaming")
	c.Kubelet.SetLog(ns, "streaming", "backup", []LogLine{{Text: "first"}})

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	stream, err := admin.CoreV1().Pods(ns).GetLogs("streaming", &corev1.PodLogOptions{Container: "backup", Follow: true}).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	r := bufio.NewReader(stream)
	readLine := func() string {
		t.Helper()
		s, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read followed log: %v", err)
		}
		return s
	}
	if got := readLine(); got != "first\n" {
		t.Fatalf("first line %q", got)
	}
	c.Kubelet.AppendLog(ns, "streaming", "backup", LogLine{Text: "second"}, LogLine{Text: "third"})
	if got := readLine() + readLine(); got != "second\nthird\n" {
		t.Fatalf("appended lines %q", got)
	}
	cancel()
	if _, err := io.ReadAll(r); err == nil {
		t.Log("stream ended cleanly after cancel")
	}
}

func testRBAC(t *testing.T, c *Cluster, admin kubernetes.Interface) {
	ns := createNamespace(t, admin, "rbac")
	for _, user := range []string{UserRestricted, UserViewer} {
		client, err := kubernetes.NewForConfig(c.RestConfig(user))
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("%s lists pods: err %v, want Forbidden", user, err)
		}
	}

	// Tests grant access with Roles; the authorizer sees them shortly after.
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "viewers-read-pods"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "viewers"}},
	}
	if _, err := admin.RbacV1().Roles(ns).Create(t.Context(), role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RbacV1().RoleBindings(ns).Create(t.Context(), binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	viewer, err := kubernetes.NewForConfig(c.RestConfig(UserViewer))
	if err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := viewer.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Errorf("viewer cannot list pods after the RoleBinding: %v", err)
	}
}

// testStatusSubresource checks the difference the plugin must handle: v1
// keeps status in the main object, v2 drops status sent there.
func testStatusSubresource(t *testing.T, c *Cluster) {
	dyn, err := dynamic.NewForConfig(c.Admin)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := kubernetes.NewForConfig(c.Admin)
	if err != nil {
		t.Fatal(err)
	}
	ns := createNamespace(t, admin, "status")
	for group, keepsStatus := range map[string]bool{"pingcap.com": true, "br.pingcap.com": false} {
		gvr := schema.GroupVersionResource{Group: group, Version: "v1alpha1", Resource: "backups"}
		obj := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": group + "/v1alpha1",
			"kind":       "Backup",
			"metadata":   map[string]any{"name": "demo"},
			"spec":       map[string]any{"backupMode": "log"},
			"status":     map[string]any{"phase": "RetryFailed"},
		}}
		t0 := time.Now()
		created, err := dyn.Resource(gvr).Namespace(ns).Create(t.Context(), obj, metav1.CreateOptions{})
		t.Logf("created a %s Backup in %v (no 2s delay after the CRD became Established)", group, time.Since(t0))
		if err != nil {
			t.Fatalf("create %s backup: %v", group, err)
		}
		phase, _, _ := unstructured.NestedString(created.Object, "status", "phase")
		if (phase == "RetryFailed") != keepsStatus {
			t.Errorf("%s: status.phase after create %q", group, phase)
		}
		if !keepsStatus {
			_ = unstructured.SetNestedField(created.Object, "Running", "status", "phase")
			updated, err := dyn.Resource(gvr).Namespace(ns).UpdateStatus(t.Context(), created, metav1.UpdateOptions{})
			if err != nil {
				t.Fatalf("%s: update status: %v", group, err)
			}
			if phase, _, _ := unstructured.NestedString(updated.Object, "status", "phase"); phase != "Running" {
				t.Errorf("%s: status.phase after UpdateStatus %q", group, phase)
			}
		}
	}
}

func testKubeconfig(t *testing.T, c *Cluster, admin kubernetes.Interface) {
	ns := createNamespace(t, admin, "kubeconfig")
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := c.WriteKubeconfig(path, UserAdmin, ns); err != nil {
		t.Fatal(err)
	}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: path}, &clientcmd.ConfigOverrides{})
	raw, err := loader.RawConfig()
	if err != nil {
		t.Fatal(err)
	}
	if raw.CurrentContext != KubeconfigContext {
		t.Errorf("current-context %q", raw.CurrentContext)
	}
	if got, _, err := loader.Namespace(); err != nil || got != ns {
		t.Errorf("namespace %q (%v), want %q", got, err, ns)
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{}); err != nil {
		t.Errorf("list pods with the kubeconfig (TLS verified with the embedded CA): %v", err)
	}
	if err := c.WriteKubeconfig(path, "nobody", ""); err == nil {
		t.Error("WriteKubeconfig accepted an unknown user")
	}
}

func testStop(t *testing.T, c *Cluster) {
	began := time.Now()
	c.Stop()
	c.Stop() // must be harmless
	t.Logf("Stop took %v", time.Since(began).Round(time.Millisecond))
	if _, err := os.Stat(c.WorkDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("work dir %s still there after Stop (%v)", c.WorkDir, err)
	}
	client, err := kubernetes.NewForConfig(c.Admin)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if _, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err == nil {
		t.Error("API server still answers after Stop")
	}
}

func TestStartWithoutToolsFails(t *testing.T) {
	t.Setenv(ToolsDirEnv, "")
	_, err := Start(t.Context(), Options{})
	if err == nil || !strings.Contains(err.Error(), "make tools") {
		t.Errorf("Start without %s: %v, want an error saying to run make tools", ToolsDirEnv, err)
	}
	_, err = Start(t.Context(), Options{ToolsDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "make tools") {
		t.Errorf("Start with an empty tools folder: %v, want an error saying to run make tools", err)
	}
}
