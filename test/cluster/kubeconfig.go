package cluster

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubeconfigContext is the name of the only context in kubeconfigs written
// by WriteKubeconfig (and of its cluster entry).
const KubeconfigContext = "logbackup-test"

// WriteKubeconfig writes a kubeconfig for user (UserAdmin, UserRestricted or
// UserViewer) with one context, "logbackup-test", as current-context, and
// namespace as the context's namespace when non-empty. The API server's CA
// is embedded, so kubectl and the plugin verify TLS as they would for real.
func (c *Cluster) WriteKubeconfig(path, user, namespace string) error {
	token, ok := c.tokens[user]
	if !ok {
		return fmt.Errorf("test cluster: unknown user %q (known: %s, %s, %s)", user, UserAdmin, UserRestricted, UserViewer)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[KubeconfigContext] = &clientcmdapi.Cluster{
		Server:                   c.Server,
		CertificateAuthorityData: c.caData,
	}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[KubeconfigContext] = &clientcmdapi.Context{
		Cluster:   KubeconfigContext,
		AuthInfo:  user,
		Namespace: namespace,
	}
	cfg.CurrentContext = KubeconfigContext
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return clientcmd.WriteToFile(*cfg, path)
}
