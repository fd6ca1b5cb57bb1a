package rollout

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestTrimEndpointSliceKeepsWhatTheCutoverReads: the cache keeps the Service
// label and each endpoint's pod and readiness, nothing else.
func TestTrimEndpointSliceKeepsWhatTheCutoverReads(t *testing.T) {
	ready := true
	zone := "z1"
	in := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "web-stable-x1", Namespace: "ns", ResourceVersion: "7",
			Labels:      map[string]string{discoveryv1.LabelServiceName: "web-stable", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
			Annotations: map[string]string{"a": "b"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{"10.0.0.1"},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Name: "web-abc-1", Namespace: "ns", UID: "u"},
			Zone:       &zone,
		}},
		Ports: []discoveryv1.EndpointPort{{}},
	}
	got, err := TrimEndpointSlice(in)
	if err != nil {
		t.Fatal(err)
	}
	s := got.(*discoveryv1.EndpointSlice)
	if s.Name != in.Name || s.Namespace != "ns" || s.ResourceVersion != "7" || len(s.Labels) != 1 || s.Labels[discoveryv1.LabelServiceName] != "web-stable" {
		t.Errorf("metadata: %+v", s.ObjectMeta)
	}
	if len(s.Endpoints) != 1 || s.Endpoints[0].TargetRef.Name != "web-abc-1" || s.Endpoints[0].TargetRef.Kind != "Pod" || !*s.Endpoints[0].Conditions.Ready {
		t.Errorf("endpoints: %+v", s.Endpoints)
	}
	if s.Annotations != nil || s.Ports != nil || s.Endpoints[0].Addresses != nil || s.Endpoints[0].Zone != nil {
		t.Errorf("kept more than needed: %+v", s)
	}
}
