package cluster

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Backend is a server of the tests to expose as a Service, as if a pod
// served it.
type Backend struct {
	// Namespace and Name are the Service's. The backing Pod is Name-0 (as
	// a StatefulSet's first pod, like kube-prometheus' prometheus-k8s-0).
	Namespace, Name string
	// PortName and Port are the Service's port; TargetPort is where the
	// server listens (0: Port).
	PortName         string
	Port, TargetPort int32
	// IP is the server's address. Not a loopback address: validation of
	// EndpointSlices and Endpoints rejects it (a netns.NS's IP will do).
	IP string
	// Labels go on the Service and the Pod, as a real deployment's would.
	Labels map[string]string
}

// managedBy marks the EndpointSlice as the tests' own, so an EndpointSlice
// controller (none runs here) would leave it alone.
const managedBy = "logbackup-tests"

// ExposeService makes b reachable through the API server's service proxy
// (/api/v1/namespaces/NS/services/NAME:PORTNAME/proxy/...), creating the
// namespace when missing. No controller runs in the test cluster, so it
// writes what they would: a selector-less Service, its EndpointSlice and
// Endpoints, and a Running Pod whose IP is b.IP.
//
// What the proxy needs (kube-apiserver v1.37, Service REST
// ResourceLocation): an EndpointSlice labelled kubernetes.io/service-name
// with a port of the same name, whose ready endpoint has a targetRef to a
// Pod of the same namespace that lists the address in status.podIPs. It
// reads no Endpoints; they are written for clients that still do.
//
// The API server finds the slice through an informer, so the proxy may
// answer 503 "no endpoints available" for a moment after this returns.
func ExposeService(ctx context.Context, client kubernetes.Interface, b Backend) error {
	if b.TargetPort == 0 {
		b.TargetPort = b.Port
	}
	core := client.CoreV1()
	if _, err := core.Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: b.Namespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("expose %s/%s: %w", b.Namespace, b.Name, err)
	}
	pod, err := createPod(ctx, client, b)
	if err != nil {
		return fmt.Errorf("expose %s/%s: %w", b.Namespace, b.Name, err)
	}
	target := &corev1.ObjectReference{Kind: "Pod", Namespace: b.Namespace, Name: pod.Name, UID: pod.UID}
	meta := metav1.ObjectMeta{Name: b.Name, Namespace: b.Namespace, Labels: b.Labels}
	svc := &corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
		{Name: b.PortName, Port: b.Port, TargetPort: intstr.FromInt32(b.TargetPort), Protocol: corev1.ProtocolTCP},
	}}}
	if _, err := core.Services(b.Namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("expose %s/%s: %w", b.Namespace, b.Name, err)
	}
	sliceLabels := map[string]string{discoveryv1.LabelServiceName: b.Name, discoveryv1.LabelManagedBy: managedBy}
	ready, tcp, portName, port := true, corev1.ProtocolTCP, b.PortName, b.TargetPort
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: b.Name, Namespace: b.Namespace, Labels: sliceLabels},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{b.IP},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready}, TargetRef: target}},
		Ports: []discoveryv1.EndpointPort{{Name: &portName, Port: &port, Protocol: &tcp}},
	}
	if _, err := client.DiscoveryV1().EndpointSlices(b.Namespace).Create(ctx, slice, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("expose %s/%s: %w", b.Namespace, b.Name, err)
	}
	eps := &corev1.Endpoints{ObjectMeta: meta, Subsets: []corev1.EndpointSubset{{ //nolint:staticcheck // written for clients that still read Endpoints
		Addresses: []corev1.EndpointAddress{{IP: b.IP, TargetRef: target}},
		Ports:     []corev1.EndpointPort{{Name: b.PortName, Port: b.TargetPort, Protocol: corev1.ProtocolTCP}},
	}}}
	// Through the REST client, to drop the API server's deprecation warning
	// for Endpoints, which client-go would log on every call.
	err = client.CoreV1().RESTClient().Post().Namespace(b.Namespace).Resource("endpoints").Body(eps).
		WarningHandler(rest.NoWarnings{}).Do(ctx).Error()
	if err != nil {
		return fmt.Errorf("expose %s/%s: %w", b.Namespace, b.Name, err)
	}
	return nil
}

// createPod creates the Pod "behind" the Service and sets its status as a
// kubelet would: Running and Ready, with b.IP as its address.
func createPod(ctx context.Context, client kubernetes.Interface, b Backend) (*corev1.Pod, error) {
	pods := client.CoreV1().Pods(b.Namespace)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: b.Name + "-0", Namespace: b.Namespace, Labels: b.Labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: b.Name, Image: "logbackup-tests/" + b.Name,
			Ports: []corev1.ContainerPort{{Name: b.PortName, ContainerPort: b.TargetPort, Protocol: corev1.ProtocolTCP}}}}},
	}
	pod, err := pods.Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	now := metav1.Now()
	pod.Status = corev1.PodStatus{
		Phase:      corev1.PodRunning,
		PodIP:      b.IP,
		PodIPs:     []corev1.PodIP{{IP: b.IP}},
		StartTime:  &now,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: b.Name, Image: pod.Spec.Containers[0].Image, Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}},
	}
	return pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
}

// RemoveService deletes what ExposeService created for the Service
// namespace/name (but not the namespace: without a namespace controller a
// deleted namespace stays Terminating). Missing objects are no error.
func RemoveService(ctx context.Context, client kubernetes.Interface, namespace, name string) error {
	core := client.CoreV1()
	// The Pod has no node, so it goes at once; zero grace all the same.
	zero := int64(0)
	var errs []error
	for _, del := range []func() error{
		func() error { return core.Services(namespace).Delete(ctx, name, metav1.DeleteOptions{}) },
		func() error {
			return client.DiscoveryV1().EndpointSlices(namespace).Delete(ctx, name, metav1.DeleteOptions{})
		},
		func() error {
			return core.RESTClient().Delete().Namespace(namespace).Resource("endpoints").Name(name).
				WarningHandler(rest.NoWarnings{}).Do(ctx).Error()
		},
		func() error {
			return core.Pods(namespace).Delete(ctx, name+"-0", metav1.DeleteOptions{GracePeriodSeconds: &zero})
		},
	} {
		if err := del(); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("remove service %s/%s: %w", namespace, name, err)
	}
	return nil
}
