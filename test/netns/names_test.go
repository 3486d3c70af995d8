package netns

import "testing"

func TestNamesFitAndSubnetsDoNotOverlap(t *testing.T) {
	for _, c := range []struct {
		index    int
		host, ns string
	}{
		{0, "10.213.0.1", "10.213.0.2"},
		{1, "10.213.0.5", "10.213.0.6"},
		{63, "10.213.0.253", "10.213.0.254"},
		{64, "10.213.1.1", "10.213.1.2"},
		{maxIndex - 1, "10.213.255.253", "10.213.255.254"},
	} {
		if host, ns := addrs(c.index); host != c.host || ns != c.ns {
			t.Errorf("addrs(%d) = %s, %s; want %s, %s", c.index, host, ns, c.host, c.ns)
		}
	}
	// IFNAMSIZ is 16 with the terminating NUL.
	for _, name := range []string{hostIfName(maxIndex - 1), nsIfName(maxIndex - 1)} {
		if len(name) > 15 {
			t.Errorf("interface name %q is longer than 15 bytes", name)
		}
	}
}
