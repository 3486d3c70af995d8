// Package cluster runs a real Kubernetes control plane (etcd and
// kube-apiserver built from the Go module proxy) plus a fake kubelet, so the
// end-to-end tests exercise the plugin against the real API server instead
// of a mocked client: RBAC, discovery, status subresources and pods/log all
// behave as in a real cluster.
//
// There is no scheduler, controller-manager or kubelet. Tests create Pods and
// Jobs as the operator would, set their status through the status
// subresource, and put container logs into the FakeKubelet, which the API
// server calls for pods/log because the Node "fake-node" points at it.
//
// Consequences worth knowing when writing tests:
//   - nothing garbage-collects: deleting a Job leaves its Pods;
//   - a deleted namespace stays Terminating forever (no namespace controller),
//     so use a fresh namespace per test instead of deleting one;
//   - a Pod bound to a node is deleted gracefully and waits for a kubelet that
//     never confirms: delete Pods with GracePeriodSeconds=0.
package cluster
