package rollout

import (
	"context"
	"strconv"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// versionReplicaSetWrites makes the fake API give every ReplicaSet write a new
// resourceVersion, as etcd does, so the freshness tracker has versions to compare.
func (f *fixture) versionReplicaSetWrites() { f.versionWrites("replicasets") }

// versionWrites does the same for every update and patch of a resource.
func (f *fixture) versionWrites(resource string) {
	rv := 1000
	f.kube.PrependReactor("*", resource, func(a clienttesting.Action) (bool, runtime.Object, error) {
		switch a.GetVerb() {
		case "update", "patch":
		default:
			return false, nil, nil
		}
		handled, obj, err := clienttesting.ObjectReaction(f.kube.Tracker())(a)
		if err != nil || obj == nil {
			return handled, obj, err
		}
		rv++
		m, _ := meta.Accessor(obj)
		m.SetResourceVersion(strconv.Itoa(rv))
		if err := f.kube.Tracker().Update(a.GetResource(), obj, m.GetNamespace()); err != nil {
			return true, nil, err
		}
		return true, obj, nil
	})
}

// TestLaggingReplicaSetCacheKeepsTheScaleDownDelay: the blue-green promotion
// writes the old ReplicaSet's scale-down deadline and the new stableRS. When the
// Rollout's watch event arrives before the ReplicaSet's, the next sync sees the
// old ReplicaSet without its deadline; it must wait for the cache instead of
// scaling the old side to 0 at once.
func TestLaggingReplicaSetCacheKeepsTheScaleDownDelay(t *testing.T) {
	ro := testRollout("web:1")
	ro.Spec.Strategy = v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{ActiveService: "web-stable"}}
	v1alpha1.SetRolloutDefaults(ro)
	f := newFixture(t, ro, service("web-stable"))
	f.endpointsFollow = true
	f.versionReplicaSetWrites()
	for range 3 {
		f.sync()
	}
	first := f.rollout().Status.StableRS

	ro = f.rollout()
	ro.Spec.Template.Spec.Containers[0].Image = "web:2"
	ro.Generation++
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(context.Background(), ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; f.rollout().Status.StableRS == first; i++ {
		if i == 10 {
			t.Fatalf("never promoted: %+v", f.rollout().Status)
		}
		before, _ := f.kube.AppsV1().ReplicaSets("ns").List(ctx, metav1.ListOptions{})
		f.sync()
		if f.rollout().Status.StableRS == first {
			continue
		}
		// The promotion sync just ran: the Rollout cache catches up, the
		// ReplicaSet cache is still where it was before that sync.
		f.refresh(ctx)
		var lagging []any
		for i := range before.Items {
			lagging = append(lagging, &before.Items[i])
		}
		if err := f.kubeInf.Apps().V1().ReplicaSets().Informer().GetStore().Replace(lagging, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.c.sync(ctx, cache.ObjectName{Namespace: "ns", Name: "web"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.replicasByHash()[first]; n != 5 {
		t.Fatalf("old active ReplicaSet scaled to %d on a cache without its scale-down deadline, want 5 kept", n)
	}
	var old *appsv1.ReplicaSet
	rss, _ := f.kube.AppsV1().ReplicaSets("ns").List(ctx, metav1.ListOptions{})
	for i := range rss.Items {
		if rss.Items[i].Labels[HashLabel] == first {
			old = &rss.Items[i]
		}
	}
	if old == nil || old.Annotations[ScaleDownDeadlineAnnotation] == "" {
		t.Fatalf("old ReplicaSet has no scale-down deadline: %+v", old)
	}
}

// TestLaggingServiceCacheIsNotSwitchedAgain: after a sync points the Services at
// the first ReplicaSet, a cache still holding the Services from before that
// write must not make the next sync switch them (and tell of it) again.
func TestLaggingServiceCacheIsNotSwitchedAgain(t *testing.T) {
	stable, canary := service("web-stable"), service("web-canary")
	stable.UID, canary.UID = "svc-stable", "svc-canary" // the tracker keys writes by UID
	f := newFixture(t, testRollout("web:1"), stable, canary)
	f.versionWrites("services")
	ctx := context.Background()
	for range 5 {
		before, _ := f.kube.CoreV1().Services("ns").List(ctx, metav1.ListOptions{})
		f.sync()
		if f.selects("web-stable") == "" {
			continue
		}
		// The Services were just switched: the cache still has them as before.
		f.refresh(ctx)
		var lagging []any
		for i := range before.Items {
			lagging = append(lagging, &before.Items[i])
		}
		if err := f.kubeInf.Core().V1().Services().Informer().GetStore().Replace(lagging, ""); err != nil {
			t.Fatal(err)
		}
		f.kube.ClearActions()
		if _, err := f.c.sync(ctx, cache.ObjectName{Namespace: "ns", Name: "web"}); err != nil {
			t.Fatal(err)
		}
		for _, a := range f.kube.Actions() {
			if a.GetVerb() == "patch" && a.GetResource().Resource == "services" {
				t.Fatalf("a sync on a Service cache behind its own switch patched the Service again")
			}
		}
		return
	}
	t.Fatal("the Services were never pointed at the first ReplicaSet")
}
