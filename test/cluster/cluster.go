package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// NodeName is the Node whose kubelet is the FakeKubelet: pods that should
// have logs set spec.nodeName to it.
const NodeName = "fake-node"

// portAttempts is how often Start picks new ports when another process took
// one first.
const portAttempts = 3

// Cluster is a running etcd, kube-apiserver and fake kubelet.
type Cluster struct {
	// WorkDir holds certificates, etcd's data, the token file and logs.
	WorkDir string
	// Server is the API server's URL, https://127.0.0.1:PORT.
	Server string
	// Admin is a config for user "admin" (group system:masters). Shared:
	// copy it (rest.CopyConfig) or call RestConfig before changing it.
	Admin *rest.Config
	// Kubelet serves the container logs of pods on NodeName.
	Kubelet *FakeKubelet
	// NodeName is the Node backed by Kubelet ("fake-node").
	NodeName string
	// StartupTime is how long Start took, for spotting slow machines.
	StartupTime time.Duration

	caData        []byte // the API server's certificate bundle (self-generated in cert-dir)
	tokens        map[string]string
	etcd          *process
	apiserver     *process
	closers       []io.Closer
	removeWorkDir bool
	stopOnce      sync.Once
	extraArgs     []string // Options.APIServerArgs
}

// Start runs etcd and kube-apiserver on free loopback ports and returns once
// the API server is ready, the Node is registered with the fake kubelet and
// the Backup CRDs are established and in discovery. On error everything it
// started is stopped again. Call Stop when done.
func Start(ctx context.Context, opts Options) (_ *Cluster, err error) {
	began := time.Now()
	etcdBin, apiserverBin, err := findTools(opts.ToolsDir)
	if err != nil {
		return nil, err
	}
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := &Cluster{WorkDir: opts.WorkDir, NodeName: NodeName, tokens: map[string]string{}, extraArgs: opts.APIServerArgs}
	if c.WorkDir == "" {
		if c.WorkDir, err = os.MkdirTemp("", "logbackup-cluster-"); err != nil {
			return nil, fmt.Errorf("test cluster: %w", err)
		}
		c.removeWorkDir = !opts.KeepWorkDir
	} else {
		// Absolute, because the paths end up in flags and kubeconfigs.
		if c.WorkDir, err = filepath.Abs(c.WorkDir); err != nil {
			return nil, fmt.Errorf("test cluster: %w", err)
		}
		if err := os.MkdirAll(c.WorkDir, 0o755); err != nil {
			return nil, fmt.Errorf("test cluster: %w", err)
		}
	}
	defer func() {
		if err != nil {
			c.Stop()
			err = fmt.Errorf("test cluster: %w", err)
		}
	}()

	etcdOut, apiserverOut, err := c.openLogs(opts.Log)
	if err != nil {
		return nil, err
	}
	users := newUsers()
	for _, u := range users {
		c.tokens[u.name] = u.token
	}
	if err := writeTokenFile(c.path("tokens.csv"), users); err != nil {
		return nil, err
	}
	if err := writeServiceAccountKey(c.path("sa.key")); err != nil {
		return nil, err
	}
	if c.Kubelet, err = NewFakeKubelet(); err != nil {
		return nil, err
	}
	etcdURL, err := c.startEtcd(ctx, etcdBin, etcdOut)
	if err != nil {
		return nil, err
	}
	if err := c.startAPIServer(ctx, apiserverBin, etcdURL, apiserverOut); err != nil {
		return nil, err
	}
	// kube-apiserver wrote its self-signed serving certificate and CA to
	// cert-dir before serving; trusting it (rather than skipping
	// verification) keeps the clients under test honest.
	if c.caData, err = os.ReadFile(filepath.Join(c.path("certs"), "apiserver.crt")); err != nil {
		return nil, fmt.Errorf("read the API server's certificate: %w", err)
	}
	c.Admin = c.RestConfig(UserAdmin)

	// The API server serves system:masters about a second before /readyz
	// passes (the RBAC bootstrap roles come last). Installing the CRDs in
	// that second hides most of their two-second settling time.
	crdCtx, cancelCRDs := context.WithCancel(ctx)
	defer cancelCRDs()
	crdDone := make(chan error, 1)
	go func() {
		if opts.WithoutCRDs {
			crdDone <- nil
			return
		}
		crdDone <- InstallCRDs(crdCtx, c.Admin)
	}()
	if err := c.finishStart(ctx); err != nil {
		cancelCRDs()
		<-crdDone
		return nil, fmt.Errorf("%w%s", err, c.apiserver.describe())
	}
	if err := <-crdDone; err != nil {
		return nil, fmt.Errorf("%w%s", err, c.apiserver.describe())
	}
	c.StartupTime = time.Since(began)
	return c, nil
}

// Stop kills the processes (their whole process groups), stops the fake
// kubelet and removes WorkDir if Start created it. Safe to call twice.
func (c *Cluster) Stop() {
	c.stopOnce.Do(func() {
		// The API server first, so it does not spin on a vanished etcd. Its
		// state lives in etcd, so it is killed at once: its graceful
		// shutdown takes over a second and saves nothing.
		if c.apiserver != nil {
			c.apiserver.stop(0)
		}
		if c.etcd != nil {
			c.etcd.stop(time.Second)
		}
		if c.Kubelet != nil {
			c.Kubelet.Close()
		}
		for _, cl := range c.closers {
			_ = cl.Close()
		}
		if c.removeWorkDir {
			_ = os.RemoveAll(c.WorkDir)
		}
	})
}

// RestConfig returns a new config for one of the users UserAdmin,
// UserRestricted or UserViewer; it panics on any other name, since that is
// a bug in the test. The config trusts the API server's certificate and
// raises client-side rate limits so tests are not throttled.
func (c *Cluster) RestConfig(user string) *rest.Config {
	token, ok := c.tokens[user]
	if !ok {
		panic(fmt.Sprintf("test cluster: unknown user %q (known: %s, %s, %s)", user, UserAdmin, UserRestricted, UserViewer))
	}
	return &rest.Config{
		Host:            c.Server,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: slices.Clone(c.caData)},
		QPS:             100,
		Burst:           200,
	}
}

// LogTail returns the last output of etcd and kube-apiserver, for a failing
// test to print before Stop removes the work folder.
func (c *Cluster) LogTail() string {
	var b strings.Builder
	for _, p := range []*process{c.etcd, c.apiserver} {
		if p != nil {
			b.WriteString(p.describe())
		}
	}
	return b.String()
}

func (c *Cluster) path(name string) string { return filepath.Join(c.WorkDir, name) }

// openLogs returns where each binary's output goes: the caller's writer
// (lines prefixed, writes serialised) or one file per binary in WorkDir.
func (c *Cluster) openLogs(w io.Writer) (etcdOut, apiserverOut io.Writer, err error) {
	if w != nil {
		mu := &sync.Mutex{}
		return &prefixWriter{mu: mu, w: w, prefix: "etcd | "},
			&prefixWriter{mu: mu, w: w, prefix: "kube-apiserver | "}, nil
	}
	var files []io.Writer
	for _, name := range []string{"etcd.log", "kube-apiserver.log"} {
		f, err := os.OpenFile(c.path(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, err
		}
		c.closers = append(c.closers, f)
		files = append(files, f)
	}
	return files[0], files[1], nil
}

// startEtcd runs a single-member etcd and waits until it is healthy.
func (c *Cluster) startEtcd(ctx context.Context, bin string, out io.Writer) (string, error) {
	for attempt := 1; ; attempt++ {
		ports, err := freePorts(2)
		if err != nil {
			return "", err
		}
		clientURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
		peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
		args := []string{
			"--name=logbackup-test",
			"--data-dir=" + c.path("etcd"),
			"--listen-client-urls=" + clientURL,
			"--advertise-client-urls=" + clientURL,
			// A peer port of our own: the default 2380 would collide with
			// other test packages running in parallel.
			"--listen-peer-urls=" + peerURL,
			"--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=logbackup-test=" + peerURL,
			// The data is thrown away: skipping fsync makes every write (and
			// so the API server's startup) much faster on slow disks.
			"--unsafe-no-fsync",
			"--log-level=warn",
		}
		p, err := startProcess(etcdBinary, bin, args, out)
		if err != nil {
			return "", err
		}
		healthy := func(ctx context.Context) error { return httpOK(ctx, insecureClient(), clientURL+"/health", "") }
		if err := p.waitReady(ctx, healthy); err != nil {
			p.stop(0)
			if attempt < portAttempts && p.portInUse() {
				continue
			}
			return "", fmt.Errorf("%w%s", err, p.describe())
		}
		c.etcd = p
		return clientURL, nil
	}
}

// apiserverArgs are the kube-apiserver flags; see the comments for why each
// non-obvious one is there.
func (c *Cluster) apiserverArgs(etcdURL string, port int) []string {
	return append([]string{
		"--etcd-servers=" + etcdURL,
		"--cert-dir=" + c.path("certs"),
		fmt.Sprintf("--secure-port=%d", port),
		"--bind-address=127.0.0.1",
		// Without it the API server looks for a default route to pick an
		// address, which a sandbox may not have.
		"--advertise-address=127.0.0.1",
		// The "kubernetes" Service endpoints would be 127.0.0.1, which
		// Endpoints validation rejects; nothing here needs them.
		"--endpoint-reconciler-type=none",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.path("sa.key"),
		"--service-account-signing-key-file=" + c.path("sa.key"),
		"--service-cluster-ip-range=10.0.0.0/24",
		"--authorization-mode=RBAC",
		"--token-auth-file=" + c.path("tokens.csv"),
		// One hour is the default; explicit because tests rely on events
		// expiring like a real cluster's.
		"--event-ttl=1h",
		// ServiceAccount admission rejects every Pod until the "default"
		// ServiceAccount exists, which only the (absent) controller-manager
		// creates. Tests create Pods as the operator's Jobs would.
		"--disable-admission-plugins=ServiceAccount",
		// The fake node has only an InternalIP; do not try a hostname first.
		"--kubelet-preferred-address-types=InternalIP",
		"--profiling=false",
	}, c.extraArgs...)
}

// startAPIServer runs kube-apiserver and waits until it serves requests
// (not yet until it is ready: see finishStart).
func (c *Cluster) startAPIServer(ctx context.Context, bin, etcdURL string, out io.Writer) error {
	for attempt := 1; ; attempt++ {
		ports, err := freePorts(1)
		if err != nil {
			return err
		}
		server := fmt.Sprintf("https://127.0.0.1:%d", ports[0])
		p, err := startProcess(apiserverBinary, bin, c.apiserverArgs(etcdURL, ports[0]), out)
		if err != nil {
			return err
		}
		// The CA is not known until the server has written it, so this
		// probe alone skips verification.
		client := insecureClient()
		serving := func(ctx context.Context) error {
			return httpOK(ctx, client, server+"/version", c.tokens[UserAdmin])
		}
		if err := p.waitReady(ctx, serving); err != nil {
			p.stop(0)
			if attempt < portAttempts && p.portInUse() {
				continue
			}
			return fmt.Errorf("%w%s", err, p.describe())
		}
		c.apiserver, c.Server = p, server
		return nil
	}
}

// finishStart waits until /readyz answers ok, which includes the RBAC
// bootstrap roles that every user but system:masters needs, then registers
// the fake node.
func (c *Cluster) finishStart(ctx context.Context) error {
	httpClient, err := rest.HTTPClientFor(c.Admin)
	if err != nil {
		return err
	}
	ready := func(ctx context.Context) error { return httpOK(ctx, httpClient, c.Server+"/readyz", "") }
	if err := c.apiserver.waitReady(ctx, ready); err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(c.Admin)
	if err != nil {
		return err
	}
	if err := waitForDefaultNamespace(ctx, client); err != nil {
		return err
	}
	return registerNode(ctx, client, c.NodeName, c.Kubelet.Port())
}

func insecureClient() *http.Client {
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // readiness probe only, before the CA exists
			DisableKeepAlives: true,
		},
	}
}

// httpOK GETs url and returns nil on a 200 answer.
func httpOK(ctx context.Context, client *http.Client, url, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status + ": " + strings.TrimSpace(string(body)))
	}
	return nil
}
