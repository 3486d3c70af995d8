// Command demo starts a throwaway control plane (etcd, kube-apiserver and a
// fake kubelet), seeds backups in different kinds of trouble, writes a
// kubeconfig and keeps running until it is told to stop. hack/demo.sh
// drives it; it is not part of the plugin.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/logbackup/kubectl-logbackup/test/cluster"
	"github.com/logbackup/kubectl-logbackup/test/fixtures"
)

func main() {
	dir := flag.String("dir", ".demo", "folder for the kubeconfig, logs and data")
	lines := flag.Int("controller-lines", 20000, "lines in each seeded controller log")
	flag.Parse()
	if err := run(*dir, *lines); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(dir string, lines int) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	work := filepath.Join(abs, "cluster")
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	c, err := cluster.Start(ctx, cluster.Options{WorkDir: work})
	if err != nil {
		return err
	}
	defer c.Stop()
	kube, err := kubernetes.NewForConfig(c.Admin)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(c.Admin)
	if err != nil {
		return err
	}
	env := &fixtures.Env{Kube: kube, Dynamic: dyn, Kubelet: c.Kubelet, Node: c.NodeName, Now: time.Now()}
	if _, err := fixtures.SeedDemo(ctx, env, lines); err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	for user, file := range map[string]string{cluster.UserAdmin: "kubeconfig", cluster.UserRestricted: "kubeconfig-restricted"} {
		if err := c.WriteKubeconfig(filepath.Join(abs, file), user, ""); err != nil {
			return err
		}
	}
	// The ready file tells hack/demo.sh that everything is seeded.
	if err := os.WriteFile(filepath.Join(abs, "ready"), []byte(c.Server+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("control plane ready at %s in %s\n", c.Server, c.StartupTime.Round(time.Millisecond))
	<-ctx.Done()
	_ = os.Remove(filepath.Join(abs, "ready"))
	return nil
}
