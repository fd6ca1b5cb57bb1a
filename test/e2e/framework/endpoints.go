package framework

import (
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReadyEndpoints counts the ready endpoints of a Service across its EndpointSlices.
func ReadyEndpoints(f *Framework, service string) (int, error) {
	slices, err := f.Kube.DiscoveryV1().EndpointSlices(f.Namespace).List(f.Ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + service,
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range slices.Items {
		for _, e := range s.Endpoints {
			if e.Conditions.Ready != nil && *e.Conditions.Ready {
				n++
			}
		}
	}
	return n, nil
}
