// Package netns gives a test its own Linux network namespace, joined to the
// host by a veth pair with a private /30 on it.
//
// Why: kube-apiserver refuses to proxy to loopback addresses (Endpoints and
// EndpointSlice validation reject 127.0.0.0/8), so a server that tests want
// to reach through the API server's service proxy, such as Prometheus, needs
// an address that is neither loopback nor a real network's. A namespace gives
// it one (NS.IP) without touching the host's own interfaces, and the host end
// of the pair (NS.HostIP) is where the host-side servers listen that the
// process inside must reach (scrape targets, exporters).
//
// Creating a namespace needs root (CI runs as root) and iproute2's ip. A test
// that cannot create one fails with a one-line reason; it never skips, so a
// missing dependency cannot hide in CI.
package netns
