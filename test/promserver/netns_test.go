package promserver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/logbackup/kubectl-logbackup/test/netns"
)

// TestStartInNamespace runs the server in a network namespace on the
// namespace's address, as the service-proxy tests do, and reaches it from
// the host through the veth pair.
func TestStartInNamespace(t *testing.T) {
	ns := netns.New(t)
	s := Start(t, Options{Wrap: ns.Command, ListenHost: ns.IP})
	if !strings.HasPrefix(s.URL, "http://"+ns.IP+":") {
		t.Fatalf("URL = %q, want one on %s", s.URL, ns.IP)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, _, _, err := s.API().Query(ctx, "vector(7)", time.Now())
	if vec, ok := v.(model.Vector); err != nil || !ok || len(vec) != 1 || vec[0].Value != 7 {
		t.Fatalf("query = %v, %v", v, err)
	}
}
