package netns

import "fmt"

// The namespaces, interfaces and subnets are numbered by an index that a
// lock file arbitrates (see lock.go), so they are unique across every test
// process on the machine, not only within one, and a leftover of a run that
// died is recognised by its free lock and replaced.
const (
	namePrefix = "logbackup-test-"
	// maxIndex bounds the search for a free index: 10.213.0.0/16 holds
	// 16384 /30 subnets.
	maxIndex = 1 << 14
)

// nsName is the namespace's name, as `ip netns list` shows it.
func nsName(index int) string { return fmt.Sprintf("%s%d", namePrefix, index) }

// Interface names must fit in 15 bytes (IFNAMSIZ-1): "lbth16383" is 9.
func hostIfName(index int) string { return fmt.Sprintf("lbth%d", index) }
func nsIfName(index int) string   { return fmt.Sprintf("lbtn%d", index) }

// addrs are the two usable addresses of the index's /30 in 10.213.0.0/16, a
// range that is private and that no common tool (Docker, kind, k3s, libvirt)
// uses by default: host end .1, namespace end .2 of the /30.
func addrs(index int) (host, ns string) {
	third, fourth := index>>6, (index&63)<<2
	return fmt.Sprintf("10.213.%d.%d", third, fourth+1), fmt.Sprintf("10.213.%d.%d", third, fourth+2)
}
