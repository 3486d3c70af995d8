package cmdutil

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// MaxContexts bounds --contexts: each context is a set of clients and a
// goroutine, and no kubeconfig a person runs has more.
const MaxContexts = 256

// Contexts are the kubeconfig's context names, sorted, and the current one.
func Contexts(flags *genericclioptions.ConfigFlags) (names []string, current string, err error) {
	raw, err := flags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return nil, "", fmt.Errorf("reading the kubeconfig: %w (set --kubeconfig or KUBECONFIG)", err)
	}
	for name := range raw.Contexts {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, raw.CurrentContext, nil
}

// ResolveContexts checks a --contexts list against the kubeconfig: every
// name must be a context in it (a typo is a usage error, not a cluster
// that cannot be reached); duplicates are dropped, the order is kept.
func ResolveContexts(flags *genericclioptions.ConfigFlags, list []string, all bool) ([]string, error) {
	names, _, err := Contexts(flags)
	if err != nil {
		return nil, err
	}
	if all {
		if len(names) == 0 {
			return nil, fmt.Errorf("--all-contexts: the kubeconfig has no contexts")
		}
		if len(names) > MaxContexts {
			return nil, fmt.Errorf("--all-contexts: the kubeconfig has %d contexts, more than %d; name them with --contexts", len(names), MaxContexts)
		}
		return names, nil
	}
	var out []string
	for _, n := range list {
		n = strings.TrimSpace(n)
		if n == "" || slices.Contains(out, n) {
			continue
		}
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("--contexts: context %q is not in the kubeconfig; its contexts are: %s", n, strings.Join(cutList(names, 20), ", "))
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--contexts: no context named; give a comma-separated list, e.g. --contexts prod-east,prod-west")
	}
	if len(out) > MaxContexts {
		return nil, fmt.Errorf("--contexts: %d contexts, more than %d", len(out), MaxContexts)
	}
	return out, nil
}

func cutList(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("... (%d more)", len(s)-n))
}

// ForContext is a copy of kubectl's flags that reads the named context;
// everything else typed (--kubeconfig, -n, --as, --request-timeout, the
// TLS flags) applies to every context, as it would to one.
func ForContext(flags *genericclioptions.ConfigFlags, name string) *genericclioptions.ConfigFlags {
	c := genericclioptions.NewConfigFlags(true)
	c.CacheDir, c.KubeConfig = flags.CacheDir, flags.KubeConfig
	c.ClusterName, c.AuthInfoName, c.Namespace, c.APIServer = flags.ClusterName, flags.AuthInfoName, flags.Namespace, flags.APIServer
	c.TLSServerName, c.Insecure, c.CertFile, c.KeyFile, c.CAFile = flags.TLSServerName, flags.Insecure, flags.CertFile, flags.KeyFile, flags.CAFile
	c.BearerToken, c.Impersonate, c.ImpersonateUID, c.ImpersonateGroup = flags.BearerToken, flags.Impersonate, flags.ImpersonateUID, flags.ImpersonateGroup
	c.ImpersonateUserExtra, c.Username, c.Password, c.Timeout = flags.ImpersonateUserExtra, flags.Username, flags.Password, flags.Timeout
	c.DisableCompression, c.ProxyURL, c.WrapConfigFn = flags.DisableCompression, flags.ProxyURL, flags.WrapConfigFn
	c.Context = &name
	return c
}

// ContextFlagsSet names the kubectl flags that pick one cluster and so
// cannot go with a list of contexts.
func ContextFlagsSet(flags *genericclioptions.ConfigFlags) []string {
	var set []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"--context", flags.Context}, {"--cluster", flags.ClusterName}, {"--user", flags.AuthInfoName}, {"--server", flags.APIServer}} {
		if f.v != nil && *f.v != "" {
			set = append(set, f.name)
		}
	}
	return set
}
