package rollout

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
// each endpoint's pod name and readiness) and drops the rest — addresses, ports,
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
// ready endpoint and only endpoints of pods labelled with hash (the pods of one
// ReplicaSet): the selector change has reached the data plane.
//
// Endpoints are matched by the pod's hash label, not by its name: the API server
// cuts a generated name to 58 characters before the random suffix, so the pods of
// a long-named Rollout do not start with "<rollout>-<hash>-". The label comes from
// the pod metadata cache; an endpoint whose pod is not cached yet counts as not
// settled, and the pod's arrival wakes the Rollout (enqueuePodOwner).
func (c *Controller) endpointsShowOnly(svc *corev1.Service, hash string) bool {
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
			if e.TargetRef == nil || e.TargetRef.Kind != "Pod" || c.podHashOf(s.Namespace, e.TargetRef.Name) != hash {
				return false
			}
			if e.Conditions.Ready != nil && *e.Conditions.Ready {
				ready++
			}
		}
	}
	return ready > 0
}

// podHashOf is the pod-template-hash label of a cached pod, or "" when the pod
// is not in the cache (an endpoint's namespace is its slice's).
func (c *Controller) podHashOf(namespace, name string) string {
	obj, exists, err := c.podIndex.GetByKey(namespace + "/" + name)
	if err != nil || !exists {
		return ""
	}
	p, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return ""
	}
	return p.Labels[HashLabel]
}

// enqueuePodOwner wakes the Rollout whose ReplicaSet created a pod. A pod's
// arrival in the cache can settle a cutover whose EndpointSlice already listed
// it (the slice and pod watches are separate streams, so either may come first).
func (c *Controller) enqueuePodOwner(obj any) {
	p, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return
	}
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	if rs, err := c.rsLister.ReplicaSets(p.Namespace).Get(ref.Name); err == nil {
		c.enqueueOwner(rs)
	}
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
