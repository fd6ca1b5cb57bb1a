package rollout

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeinformers "k8s.io/client-go/informers"
	metadatafake "k8s.io/client-go/metadata/fake"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
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

// longName is a Rollout name of the most characters a Service-facing name may
// have (63): its pods' generated names lose the hash.
var longName = "checkout-" + strings.Repeat("x", 63-len("checkout-"))

// newPodInformer is a metadata-only pod informer like the controller's; tests
// fill its store directly.
func newPodInformer() kubeinformers.GenericInformer {
	client := metadatafake.NewSimpleMetadataClient(metadatafake.NewTestScheme())
	return metadatainformer.NewSharedInformerFactory(client, 0).ForResource(corev1.SchemeGroupVersion.WithResource("pods"))
}

// generatedName is the name the API server gives an object with generateName
// base: base cut to 58 characters, then 5 random ones (here suffix).
func generatedName(base, suffix string) string {
	return base[:min(len(base), 58)] + suffix
}

// podsOfReplicaSets plays the ReplicaSet controller for the pod cache: each
// ReplicaSet's available pods, named from generateName "<rs>-" as the API server
// names them, with the ReplicaSet's hash label and controller reference.
func podsOfReplicaSets(rss []appsv1.ReplicaSet) []any {
	var pods []any
	for i := range rss {
		rs := &rss[i]
		hash := rs.Labels[HashLabel]
		for n := range int(rs.Status.AvailableReplicas) {
			pods = append(pods, &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
				Name:            generatedName(rs.Name+"-", fmt.Sprintf("%.3s%02d", hash, n)),
				Namespace:       rs.Namespace,
				Labels:          map[string]string{HashLabel: hash},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, Controller: ptrTo(true)}},
			}})
		}
	}
	return pods
}

// TestEndpointsSettleByPodHashLabel: with a 63-character Rollout name the pods
// of every ReplicaSet share one 58-character name prefix, so only the pod's hash
// label tells them apart. An endpoint whose pod is not cached does not count.
func TestEndpointsSettleByPodHashLabel(t *testing.T) {
	rs := func(hash string) appsv1.ReplicaSet {
		return appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: longName + "-" + hash, Namespace: "ns", Labels: map[string]string{HashLabel: hash}},
			Status:     appsv1.ReplicaSetStatus{AvailableReplicas: 2},
		}
	}
	pods := podsOfReplicaSets([]appsv1.ReplicaSet{rs("6d4b8f7c9d"), rs("5f7d9c8b6a")})
	newPods, oldPods := pods[:2], pods[2:]
	if name := newPods[0].(*metav1.PartialObjectMetadata).Name; strings.Contains(name, "6d4b8f7c9d") {
		t.Fatalf("pod name %q still carries the hash; the test would not show the truncation", name)
	}
	ready, notReady := true, false
	endpoint := func(obj any, ready *bool) discoveryv1.Endpoint {
		return discoveryv1.Endpoint{
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Name: obj.(*metav1.PartialObjectMetadata).Name},
			Conditions: discoveryv1.EndpointConditions{Ready: ready},
		}
	}
	uncached := discoveryv1.Endpoint{TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: generatedName(longName+"-6d4b8f7c9d-", "zzzzz")}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}
	cases := []struct {
		name      string
		endpoints []discoveryv1.Endpoint
		want      bool
	}{
		{"only the new pods", []discoveryv1.Endpoint{endpoint(newPods[0], &ready), endpoint(newPods[1], &notReady)}, true},
		{"an old pod is still listed", []discoveryv1.Endpoint{endpoint(newPods[0], &ready), endpoint(oldPods[0], &notReady)}, false},
		{"a pod not in the cache yet", []discoveryv1.Endpoint{endpoint(newPods[0], &ready), uncached}, false},
		{"no ready endpoint", []discoveryv1.Endpoint{endpoint(newPods[0], &notReady)}, false},
		{"an endpoint without a pod", []discoveryv1.Endpoint{endpoint(newPods[0], &ready), {Conditions: discoveryv1.EndpointConditions{Ready: &ready}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc := service("web-stable")
			svc.Spec.Selector[HashLabel] = "6d4b8f7c9d"
			f := newFixture(t, svc)
			if err := f.pods.Informer().GetStore().Replace(pods, ""); err != nil {
				t.Fatal(err)
			}
			slice := &discoveryv1.EndpointSlice{
				ObjectMeta: metav1.ObjectMeta{Name: "web-stable-x", Namespace: "ns", Labels: map[string]string{discoveryv1.LabelServiceName: "web-stable"}},
				Endpoints:  tc.endpoints,
			}
			if err := f.kubeInf.Discovery().V1().EndpointSlices().Informer().GetStore().Add(slice); err != nil {
				t.Fatal(err)
			}
			if got := f.c.observeService(svc, true); got.Settled != tc.want {
				t.Fatalf("settled = %v, want %v", got.Settled, tc.want)
			}
		})
	}
}

// TestPodArrivalWakesItsRollout: a pod reaching the cache wakes the Rollout that
// owns its ReplicaSet, since an EndpointSlice may have listed it first.
func TestPodArrivalWakesItsRollout(t *testing.T) {
	ro := testRollout("web:1")
	ro.Name = longName
	rs := appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{
		Name: longName + "-6d4b8f7c9d", Namespace: "ns", Labels: map[string]string{HashLabel: "6d4b8f7c9d"},
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ro, rolloutKind)},
	}}
	rs.Status.AvailableReplicas = 1
	f := newFixture(t)
	if err := f.kubeInf.Apps().V1().ReplicaSets().Informer().GetStore().Add(&rs); err != nil {
		t.Fatal(err)
	}
	f.c.enqueuePodOwner(podsOfReplicaSets([]appsv1.ReplicaSet{rs})[0])
	if f.c.queue.Len() != 1 {
		t.Fatalf("queue holds %d keys, want the Rollout's", f.c.queue.Len())
	}
	if key, _ := f.c.queue.Get(); key != (cache.ObjectName{Namespace: "ns", Name: longName}) {
		t.Fatalf("woke %v", key)
	}
}

// TestSyncLongNameCutoverCompletes drives an update of a Rollout with a
// 63-character name through the sync: the stable Service moves to the new
// ReplicaSet, its EndpointSlice (listing the pods by their truncated names)
// confirms it, and the new ReplicaSet becomes stable.
func TestSyncLongNameCutoverCompletes(t *testing.T) {
	ctx := context.Background()
	w50 := int32(50)
	ro := testRollout("web:1")
	ro.Name = longName
	ro.Spec.Strategy.Canary.Steps = []v1alpha1.CanaryStep{{SetWeight: &w50}}
	f := newFixture(t, ro, service("web-stable"), service("web-canary"))
	f.endpointsFollow = true
	key := cache.ObjectName{Namespace: "ns", Name: longName}
	get := func() *v1alpha1.Rollout {
		ro, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Get(ctx, longName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return ro
	}
	syncs := func(n int) {
		for range n {
			f.refresh(ctx)
			if _, err := f.c.sync(ctx, key); err != nil {
				t.Fatalf("sync: %v", err)
			}
			f.makePodsAvailable(ctx)
		}
	}
	syncs(3)
	first := get().Status.StableRS
	if first == "" || f.selects("web-stable") != first {
		t.Fatalf("first deploy: %s, stable Service on %q", get().Status.Phase, f.selects("web-stable"))
	}

	updated := get()
	updated.Spec.Template.Spec.Containers[0].Image = "web:2"
	updated.Generation++
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(ctx, updated, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	syncs(10)
	got := get()
	if got.Status.StableRS == first || got.Status.StableRS != got.Status.CurrentPodHash || got.Status.Phase != v1alpha1.RolloutPhaseHealthy {
		t.Fatalf("cutover did not complete: phase %s stable %q current %q", got.Status.Phase, got.Status.StableRS, got.Status.CurrentPodHash)
	}
	if f.selects("web-stable") != got.Status.StableRS {
		t.Fatalf("stable Service selects %q, want %q", f.selects("web-stable"), got.Status.StableRS)
	}
}
