package rollout

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
)

// TestRestartWaitsForTheReplicaSetToCountAnEviction: with 2 replicas and
// maxUnavailable 0 a restart evicts one pod at a time. Right after the first
// eviction the pod cache shows that pod terminating while the ReplicaSet's
// status (not yet rewritten by its controller) still counts 2 available: a
// sync then must not spend the budget again on the other pod, which left the
// Services without endpoints.
func TestRestartWaitsForTheReplicaSetToCountAnEviction(t *testing.T) {
	ctx := context.Background()
	ro := testRollout("web:1")
	ro.Spec.Replicas = ptrTo(int32(2))
	f := newFixture(t, ro, service("web-stable"), service("web-canary"))
	for range 3 {
		f.sync()
	}
	ro = f.rollout()
	ro.Spec.RestartAt = &metav1.Time{Time: f.clock.Now().Add(time.Second)}
	ro.Generation++
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(ctx, ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.clock.Step(2 * time.Second)
	var evicted []string
	f.kube.PrependReactor("create", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "eviction" {
			return false, nil, nil
		}
		evicted = append(evicted, a.(clienttesting.CreateAction).GetObject().(metav1.Object).GetName())
		return true, nil, nil
	})

	f.refresh(ctx)
	rsStore := f.kubeInf.Apps().V1().ReplicaSets().Informer().GetStore()
	for _, o := range rsStore.List() {
		rs := o.(*appsv1.ReplicaSet).DeepCopy()
		rs.ResourceVersion = "10"
		if err := rsStore.Update(rs); err != nil {
			t.Fatal(err)
		}
	}
	// The fixture's pods carry only the hash label; a ReplicaSet's selector
	// also asks for the template's labels.
	podStore := f.pods.Informer().GetStore()
	for _, o := range podStore.List() {
		pod := o.(*metav1.PartialObjectMetadata).DeepCopy()
		pod.Labels["app"] = "web"
		if err := podStore.Update(pod); err != nil {
			t.Fatal(err)
		}
	}
	key := cache.ObjectName{Namespace: "ns", Name: "web"}
	if _, err := f.c.sync(ctx, key); err != nil {
		t.Fatal(err)
	}
	if len(evicted) != 1 {
		t.Fatalf("first restart sync evicted %v, want one pod", evicted)
	}
	// The kubelet marks the pod terminating; the ReplicaSet status still says 2.
	obj, ok, _ := podStore.GetByKey("ns/" + evicted[0])
	if !ok {
		t.Fatalf("evicted pod %s not in the pod cache", evicted[0])
	}
	pod := obj.(*metav1.PartialObjectMetadata).DeepCopy()
	pod.DeletionTimestamp = &metav1.Time{Time: f.clock.Now()}
	if err := podStore.Update(pod); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.sync(ctx, key); err != nil {
		t.Fatal(err)
	}
	if len(evicted) != 1 {
		t.Fatalf("a sync before the ReplicaSet counted the eviction evicted %v too", evicted[1:])
	}
	// Its controller rewrites the status: 1 of 2 available, so still no budget.
	for _, o := range rsStore.List() {
		rs := o.(*appsv1.ReplicaSet).DeepCopy()
		rs.ResourceVersion, rs.Status.AvailableReplicas, rs.Status.ReadyReplicas = "11", 1, 1
		if err := rsStore.Update(rs); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.c.sync(ctx, key); err != nil {
		t.Fatal(err)
	}
	if len(evicted) != 1 {
		t.Fatalf("evicted %v while only 1 of 2 pods was available", evicted[1:])
	}
}
