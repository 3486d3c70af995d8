// Package cmdutil holds what every verb needs from kubectl's flags:
// clients and deadlines with kubectl's meaning, the namespace, flag value
// types with ranges, exit codes and one-line errors.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/backupapi"
	"github.com/logbackup/kubectl-logbackup/pkg/buildinfo"
)

// DefaultDeadline bounds a one-shot command as a whole, so an unreachable
// or silent cluster fails in seconds instead of hanging.
const DefaultDeadline = 30 * time.Second

// MaxRequestTimeout is the largest --request-timeout taken.
const MaxRequestTimeout = 24 * time.Hour

// Session is what Complete builds from the flags.
type Session struct {
	// Clients make requests bounded by RequestTimeout each, as kubectl's
	// do. Streams (watch, follow) use StreamClients instead.
	Clients   backupapi.Clients
	Config    *rest.Config
	Namespace string // -n, else the context's, else "default"
	// RequestTimeout is --request-timeout: the bound on each request
	// (0: none, kubectl's default).
	RequestTimeout time.Duration
	// Deadline bounds a one-shot command as a whole: DefaultDeadline, or
	// the request timeout when that is longer.
	Deadline time.Duration
	// Host is the API server, with any password in it redacted.
	Host string
}

// NewSession reads --kubeconfig, --context, -n, --as, --request-timeout and
// the rest of kubectl's flags through ConfigFlags. The API server's
// warnings go to warnings, as kubectl prints them.
func NewSession(flags *genericclioptions.ConfigFlags, warnings io.Writer) (*Session, error) {
	if err := validateTimeout(flags.Timeout); err != nil {
		return nil, err
	}
	ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, redactServerIn(fmt.Errorf("reading the kubeconfig: %w", err), flags)
	}
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, redactServerIn(fmt.Errorf("reading the kubeconfig: %w (set --kubeconfig or KUBECONFIG)", err), flags)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = buildinfo.UserAgent()
	cfg.Wrap(noWriteRetries)
	cfg.Wrap(newFirstConn().wrap)
	cfg.WarningHandler = &warningPrinter{w: warnings, seen: map[string]bool{}}
	// A handful of requests fan out at once; client-go's default of 5 QPS
	// would queue them for no reason.
	cfg.QPS, cfg.Burst = 50, 100
	s := &Session{Config: cfg, Namespace: ns, RequestTimeout: cfg.Timeout, Deadline: max(DefaultDeadline, cfg.Timeout), Host: redactHost(cfg.Host)}
	if s.Clients, err = clientsFor(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// OneShot bounds a command that reads and ends (not a stream) by the
// session's deadline.
func (s *Session) OneShot(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.Deadline)
}

// StreamClients are clients for watches and follows: no client-wide
// timeout, which would cut a stream, but a response must still start
// within the request timeout (DefaultDeadline when none is set).
func (s *Session) StreamClients() (backupapi.Clients, error) {
	cfg := rest.CopyConfig(s.Config)
	cfg.Timeout = 0
	wait := s.RequestTimeout
	if wait <= 0 {
		wait = DefaultDeadline
	}
	cfg.Wrap(responseStartTimeout(wait))
	return clientsFor(cfg)
}

func clientsFor(cfg *rest.Config) (backupapi.Clients, error) {
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return backupapi.Clients{}, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return backupapi.Clients{}, err
	}
	return backupapi.Clients{Kube: kube, Dynamic: dyn}, nil
}

// redactServerIn takes a --server password out of an error that quotes
// the flag as typed (client-go's "host must be a URL" does), whatever the
// password holds: a "/" or "#" in it makes the URL unparsable, so the
// general redaction cannot find it.
func redactServerIn(err error, flags *genericclioptions.ConfigFlags) error {
	if flags.APIServer == nil || *flags.APIServer == "" {
		return err
	}
	raw := *flags.APIServer
	start := 0
	if i := strings.Index(raw, "://"); i >= 0 {
		start = i + len("://")
	}
	at := strings.LastIndex(raw, "@")
	if at < start {
		return err
	}
	colon := strings.Index(raw[start:at], ":")
	if colon < 0 {
		return err
	}
	safe := raw[:start+colon+1] + "xxxxx" + raw[at:]
	return errors.New(strings.ReplaceAll(err.Error(), raw, safe))
}

// redactHost keeps a password in --server out of every message, as
// kubectl does.
func redactHost(host string) string {
	withScheme := host
	if !strings.Contains(host, "://") {
		withScheme = "https://" + host // client-go's reading of a bare host
	}
	if u, err := url.Parse(withScheme); err == nil && u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		if withScheme != host {
			return strings.TrimPrefix(u.String(), "https://")
		}
		return u.String()
	}
	return host
}

// validateTimeout checks --request-timeout before client-go does, whose
// error would read like a broken kubeconfig. Like kubectl it takes a
// duration (30s, 2m) or whole seconds; 0 means no bound.
func validateTimeout(flag *string) error {
	if flag == nil || *flag == "" {
		return nil
	}
	d, err := time.ParseDuration(*flag)
	if err != nil {
		n, nerr := strconv.Atoi(*flag)
		if nerr != nil {
			return fmt.Errorf("invalid --request-timeout %q: must be a duration such as 30s, 5m or 2h, or 0 for none", *flag)
		}
		d = time.Duration(n) * time.Second
		if n > int(MaxRequestTimeout/time.Second) {
			d = MaxRequestTimeout + 1
		}
	}
	if d < 0 || d > MaxRequestTimeout {
		return fmt.Errorf("invalid --request-timeout %q: must be between 0 (none) and %s", *flag, MaxRequestTimeout)
	}
	return nil
}

// firstConn holds back the requests that a command fans out at its start
// until the first of them has a connection. net/http does not merge
// concurrent dials: each request would dial and do a TLS handshake of its
// own, and over HTTP/2 all but one connection are then thrown away; on a
// busy machine those handshakes cost more than the round trip they race.
// Once a connection exists, requests go through unhindered (over HTTP/1.1
// they dial as before). Each host has its own gate, so a config copied
// for another server never waits on this one.
type firstConn struct {
	mu    sync.Mutex
	hosts map[string]*hostGate
}

type hostGate struct {
	dialing chan struct{} // one slot: the request that makes the connection
	ready   chan struct{} // closed once any request has had a connection
	once    sync.Once
}

func newFirstConn() *firstConn { return &firstConn{hosts: map[string]*hostGate{}} }

func (f *firstConn) gate(host string) *hostGate {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.hosts[host]
	if !ok {
		g = &hostGate{dialing: make(chan struct{}, 1), ready: make(chan struct{})}
		f.hosts[host] = g
	}
	return g
}

func (f *firstConn) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		g := f.gate(req.URL.Host)
		select {
		case <-g.ready:
			return next.RoundTrip(req)
		default:
		}
		select {
		case <-g.ready:
			return next.RoundTrip(req)
		case <-req.Context().Done():
			return nil, req.Context().Err()
		case g.dialing <- struct{}{}:
		}
		// This request makes the connection; if it fails before it has
		// one, the next waiting request tries.
		defer func() { <-g.dialing }()
		trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { g.once.Do(func() { close(g.ready) }) }}
		return next.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	})
}
