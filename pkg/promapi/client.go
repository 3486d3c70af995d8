package promapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// Kube is what reaching Prometheus through the cluster needs: the
// kubeconfig's credentials (for the service proxy) and a client (to find
// a Prometheus service).
type Kube struct {
	Config *rest.Config
	Client kubernetes.Interface
}

// Client queries one Prometheus.
type Client struct {
	api promv1.API
	// Where says which Prometheus, and how it was chosen; never holds a
	// credential.
	Where   string
	timeout time.Duration
	// proxied: reached through the API server (a 403 is then the API
	// server's refusal to proxy).
	proxied bool
	// secret: the bearer token, kept out of the server's text a reason
	// quotes (a server may say back what it was sent).
	secret string
}

// Outcome of Connect: a client, or why there is none. Skipped is a choice
// or an absence (--no-prometheus, none found), Error a fault; both are one
// line.
type Outcome struct {
	Client  *Client
	Skipped string
	Error   string
}

// Connect finds Prometheus as the flags say (or, with neither a URL nor a
// service, looks for one in the cluster, preferring the namespaces given)
// and checks that it answers as Prometheus does. It never fails the
// command: every fault is the Outcome's Error.
func Connect(ctx context.Context, c Config, kube Kube, prefer ...string) Outcome {
	if c.Disabled {
		return Outcome{Skipped: "not queried (--no-prometheus)"}
	}
	if c.EnvError != "" {
		return Outcome{Error: c.EnvError}
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	var (
		cl  *Client
		err error
	)
	switch {
	case c.Service != "":
		var s Service
		if s, err = ParseService(c.Service); err == nil {
			cl, err = proxyClient(kube.Config, s, "--prometheus-service")
		}
	case c.URL != "":
		cl, err = urlClient(c)
	default:
		found, note := Discover(ctx, kube.Client, c.Timeout, prefer)
		if found == nil {
			return Outcome{Skipped: note}
		}
		cl, err = proxyClient(kube.Config, found.Service, "found: "+found.Layout)
	}
	if err != nil {
		return Outcome{Error: err.Error()}
	}
	cl.timeout = c.Timeout
	if err := cl.probe(ctx); err != nil {
		return Outcome{Error: cl.Where + ": " + cl.Reason(err)}
	}
	return Outcome{Client: cl}
}

func urlClient(c Config) (*Client, error) {
	u, err := parseURL(c.URL)
	if err != nil {
		return nil, err
	}
	rt, token, err := directTransport(c, u.Host)
	if err != nil {
		return nil, err
	}
	src := "--prometheus-url"
	if c.URLFromEnv {
		src = EnvURL
	}
	cl, err := newClient(u.String(), rt, u.Redacted()+" ("+src+")", false)
	if cl != nil {
		cl.secret = token
	}
	return cl, err
}

// ProxyURL is the API server's service proxy path for s, under host.
func ProxyURL(host *url.URL, s Service) *url.URL {
	u := *host
	name := s.Name + ":" + s.Port
	if s.Scheme != "" {
		name = s.Scheme + ":" + name
	}
	u.Path = path.Join("/", host.Path, "api/v1/namespaces", s.Namespace, "services", name, "proxy")
	u.RawPath = ""
	u.RawQuery, u.Fragment = "", ""
	return &u
}

func proxyClient(cfg *rest.Config, s Service, how string) (*Client, error) {
	if cfg == nil {
		return nil, fmt.Errorf("no kubeconfig to reach %s through", s)
	}
	host, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("the API server's address: %v", err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("the API server's transport: %v", err)
	}
	cl, err := newClient(ProxyURL(host, s).String(), limitBody(rt), "service "+s.String()+" through the API server ("+how+")", true)
	return cl, err
}

func newClient(address string, rt http.RoundTripper, where string, proxied bool) (*Client, error) {
	c, err := api.NewClient(api.Config{Address: address, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus client: %v", err)
	}
	return &Client{api: promv1.NewAPI(c), Where: where, proxied: proxied}, nil
}

// probe asks for vector(1): only a Prometheus API answers it with 1.
func (c *Client) probe(ctx context.Context) error {
	v, err := c.Query(ctx, "vector(1)", time.Now())
	if err != nil {
		return err
	}
	if len(v) != 1 || v[0].Value != 1 {
		return errNotPrometheus
	}
	return nil
}

// Query runs an instant query and returns its vector, bounded by the
// client's timeout (and the caller's context).
func (c *Client) Query(ctx context.Context, q string, at time.Time) (model.Vector, error) {
	v, err := c.query(ctx, q, at)
	if err != nil {
		return nil, err
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, errNotPrometheus
	}
	return vec, nil
}

// QueryMatrix runs an instant query of a range selector (metric[6h]) and
// returns its raw samples, bounded as Query is.
func (c *Client) QueryMatrix(ctx context.Context, q string, at time.Time) (model.Matrix, error) {
	v, err := c.query(ctx, q, at)
	if err != nil {
		return nil, err
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return nil, errNotPrometheus
	}
	return m, nil
}

func (c *Client) query(ctx context.Context, q string, at time.Time) (model.Value, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	v, _, _, err := c.api.Query(ctx, q, at, promv1.WithTimeout(c.timeout))
	if err != nil {
		if parent.Err() != nil && !errors.Is(parent.Err(), context.Canceled) {
			// The command's own deadline (or the section's share of
			// it) ran out first: say that, not --prometheus-timeout.
			return nil, errCommandDeadline
		}
		return nil, err
	}
	return v, nil
}

// Reason turns a query's error into one line (see Reason), the token
// taken out of the server's own text before it is cut short.
func (c *Client) Reason(err error) string {
	var apiErr *promv1.Error
	if c.secret != "" && errors.As(err, &apiErr) {
		e := *apiErr
		e.Msg = strings.ReplaceAll(e.Msg, c.secret, text.Redacted)
		e.Detail = strings.ReplaceAll(e.Detail, c.secret, text.Redacted)
		err = &e
	}
	r := Reason(err, c.proxied, c.timeout)
	if c.secret != "" {
		// Any other text a reason quotes (a host name from a redirect)
		// may hold the token too.
		r = strings.ReplaceAll(r, c.secret, text.Redacted)
	}
	return r
}
