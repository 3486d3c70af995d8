// Package cmdutil holds what every verb needs from the kubeconfig flags:
// clients with one deadline, the namespace, and one-line errors.
package cmdutil

import (
	"fmt"
	"strconv"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/logbackup/kubectl-logbackup/pkg/buildinfo"
	"github.com/logbackup/kubectl-logbackup/pkg/gather"
)

// DefaultTimeout bounds a whole command when --request-timeout is not set,
// so an unreachable cluster fails in seconds instead of hanging.
const DefaultTimeout = 30 * time.Second

// Session is what Complete builds from the flags.
type Session struct {
	Clients   gather.Clients
	Config    *rest.Config
	Namespace string        // -n, else the context's, else "default"
	Timeout   time.Duration // the whole command's deadline
}

// NewSession reads --kubeconfig, --context, -n, --as, --request-timeout and
// the rest of kubectl's flags through ConfigFlags.
func NewSession(flags *genericclioptions.ConfigFlags) (*Session, error) {
	if err := validateTimeout(flags.Timeout); err != nil {
		return nil, err
	}
	ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %w (set --kubeconfig or KUBECONFIG)", err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = buildinfo.UserAgent()
	// A handful of requests fan out at once; client-go's default of 5 QPS
	// would queue them for no reason.
	cfg.QPS, cfg.Burst = 50, 100
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
		cfg.Timeout = timeout
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Session{Clients: gather.Clients{Kube: kube, Dynamic: dyn}, Config: cfg, Namespace: ns, Timeout: timeout}, nil
}

// validateTimeout checks --request-timeout before client-go does, whose
// error would read like a broken kubeconfig. Like kubectl it takes a
// duration (30s, 2m) or whole seconds.
func validateTimeout(flag *string) error {
	if flag == nil || *flag == "" {
		return nil
	}
	if _, err := time.ParseDuration(*flag); err == nil {
		return nil
	}
	if n, err := strconv.Atoi(*flag); err == nil && n >= 0 {
		return nil
	}
	return fmt.Errorf("invalid --request-timeout %q: must be a duration such as 30s, 5m or 2h, or 0 for the default", *flag)
}
