package rollout

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/client-go/tools/cache"
)

// EndpointSlices show when a Service's selector change has reached the data
// plane: the cutover waits for them (SPEC §2.7). They come from an informer, so
// the wait costs no API calls, and a slice change wakes the Rollouts that name
// its Service rather than waiting for a poll.

// sliceServiceIndex indexes EndpointSlices by the "namespace/name" of their Service.
const sliceServiceIndex = "byService"

func sliceService(obj any) ([]string, error) {
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok {
		return nil, nil
	}
	name := s.Labels[discoveryv1.LabelServiceName]
	if name == "" {
		return nil, nil
	}
	return []string{s.Namespace + "/" + name}, nil
}

// TrimEndpointSlice keeps what endpointsShowOnly reads (the Service label and
// each endpoint's pod and readiness) and drops the rest — addresses, ports,
// zones, hints — so caching every slice of a large cluster stays cheap.
func TrimEndpointSlice(obj any) (any, error) {
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok {
		return obj, nil
	}
	out := &discoveryv1.EndpointSlice{
		TypeMeta:    s.TypeMeta,
		AddressType: s.AddressType,
	}
	out.Name, out.Namespace, out.UID, out.ResourceVersion = s.Name, s.Namespace, s.UID, s.ResourceVersion
	if name, ok := s.Labels[discoveryv1.LabelServiceName]; ok {
		out.Labels = map[string]string{discoveryv1.LabelServiceName: name}
	}
	out.Endpoints = make([]discoveryv1.Endpoint, len(s.Endpoints))
	for i, e := range s.Endpoints {
		out.Endpoints[i] = discoveryv1.Endpoint{Conditions: discoveryv1.EndpointConditions{Ready: e.Conditions.Ready}}
		if e.TargetRef != nil {
			out.Endpoints[i].TargetRef = &corev1.ObjectReference{Kind: e.TargetRef.Kind, Name: e.TargetRef.Name}
		}
	}
	return out, nil
}

// endpointsShowOnly reports whether a Service's EndpointSlices list at least one
// ready endpoint and only endpoints of pods whose names start with podPrefix (the
// pods of one ReplicaSet): the selector change has reached the data plane.
func (c *Controller) endpointsShowOnly(svc *corev1.Service, podPrefix string) bool {
	slices, err := c.sliceIndex.ByIndex(sliceServiceIndex, svc.Namespace+"/"+svc.Name)
	if err != nil {
		return false
	}
	ready := 0
	for _, obj := range slices {
		s, ok := obj.(*discoveryv1.EndpointSlice)
		if !ok {
			continue
		}
		for _, e := range s.Endpoints {
			if e.TargetRef == nil || e.TargetRef.Kind != "Pod" || !strings.HasPrefix(e.TargetRef.Name, podPrefix) {
				return false
			}
			if e.Conditions.Ready != nil && *e.Conditions.Ready {
				ready++
			}
		}
	}
	return ready > 0
}

// enqueueSliceUsers wakes the Rollouts that name an EndpointSlice's Service.
func (c *Controller) enqueueSliceUsers(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	keys, _ := sliceService(obj)
	for _, key := range keys {
		c.enqueueIndexed(serviceIndex, key)
	}
}
