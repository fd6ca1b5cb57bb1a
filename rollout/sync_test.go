package rollout

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubeinformers "k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicefake "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/fake"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
)

// fixture runs the controller's sync against fake clientsets. Between syncs it
// plays the ReplicaSet controller (every desired pod becomes available) and copies
// the fake API's objects into the informer caches, so each sync sees the results
// of the previous one, as it would on a cluster.
type fixture struct {
	t         *testing.T
	kube      *kubefake.Clientset
	sluice    *sluicefake.Clientset
	c         *Controller
	kubeInf   kubeinformers.SharedInformerFactory
	pods      kubeinformers.GenericInformer
	sluiceInf sluiceinformers.SharedInformerFactory
	clock     *clocktesting.FakeClock
	// endpointsFollow plays the EndpointSlice controller: each Service's slice
	// lists the available pods of the ReplicaSet it selects, ready (pods are
	// named as the API server names them, see podsOfReplicaSets). Off, there
	// are no slices.
	endpointsFollow bool
}

func newFixture(t *testing.T, objects ...runtime.Object) *fixture {
	var kubeObjs, sluiceObjs []runtime.Object
	for _, o := range objects {
		switch o.(type) {
		case *v1alpha1.Rollout, *v1alpha1.AnalysisTemplate, *v1alpha1.AnalysisRun:
			sluiceObjs = append(sluiceObjs, o)
		default:
			kubeObjs = append(kubeObjs, o)
		}
	}
	f := &fixture{t: t, kube: kubefake.NewClientset(kubeObjs...), sluice: sluicefake.NewSimpleClientset(sluiceObjs...),
		clock: clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
	// The fake API ignores dry runs; answer them with the object itself, as the
	// API server would (minus defaulting, which these templates do not need).
	f.kube.PrependReactor("create", "replicasets", func(a clienttesting.Action) (bool, runtime.Object, error) {
		create := a.(clienttesting.CreateActionImpl)
		if len(create.GetCreateOptions().DryRun) == 0 {
			return false, nil, nil
		}
		return true, create.GetObject(), nil
	})
	f.kubeInf = kubeinformers.NewSharedInformerFactory(f.kube, 0)
	f.sluiceInf = sluiceinformers.NewSharedInformerFactory(f.sluice, 0)
	f.pods = newPodInformer()
	c, err := NewController(Config{
		Kube: f.kube, Sluice: f.sluice,
		Rollouts:          f.sluiceInf.Sluice().V1alpha1().Rollouts(),
		ReplicaSets:       f.kubeInf.Apps().V1().ReplicaSets(),
		Services:          f.kubeInf.Core().V1().Services(),
		EndpointSlices:    f.kubeInf.Discovery().V1().EndpointSlices(),
		Pods:              f.pods,
		AnalysisRuns:      f.sluiceInf.Sluice().V1alpha1().AnalysisRuns(),
		AnalysisTemplates: f.sluiceInf.Sluice().V1alpha1().AnalysisTemplates(),
		Recorder:          record.NewFakeRecorder(1000),
		Clock:             f.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	return f
}

// sync refreshes the caches from the fake API and runs one reconcile.
func (f *fixture) sync() time.Duration {
	f.t.Helper()
	ctx := context.Background()
	f.refresh(ctx)
	d, err := f.c.sync(ctx, cache.ObjectName{Namespace: "ns", Name: "web"})
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	f.makePodsAvailable(ctx)
	return d
}

func (f *fixture) refresh(ctx context.Context) {
	f.t.Helper()
	replace := func(store cache.Store, list []any) {
		if err := store.Replace(list, ""); err != nil {
			f.t.Fatal(err)
		}
	}
	ros, _ := f.sluice.SluiceV1alpha1().Rollouts("ns").List(ctx, metav1.ListOptions{})
	var items []any
	for i := range ros.Items {
		items = append(items, &ros.Items[i])
	}
	replace(f.sluiceInf.Sluice().V1alpha1().Rollouts().Informer().GetStore(), items)
	runs, _ := f.sluice.SluiceV1alpha1().AnalysisRuns("ns").List(ctx, metav1.ListOptions{})
	items = nil
	for i := range runs.Items {
		items = append(items, &runs.Items[i])
	}
	replace(f.sluiceInf.Sluice().V1alpha1().AnalysisRuns().Informer().GetStore(), items)
	templates, _ := f.sluice.SluiceV1alpha1().AnalysisTemplates("ns").List(ctx, metav1.ListOptions{})
	items = nil
	for i := range templates.Items {
		items = append(items, &templates.Items[i])
	}
	replace(f.sluiceInf.Sluice().V1alpha1().AnalysisTemplates().Informer().GetStore(), items)
	rss, _ := f.kube.AppsV1().ReplicaSets("ns").List(ctx, metav1.ListOptions{})
	items = nil
	for i := range rss.Items {
		items = append(items, &rss.Items[i])
	}
	replace(f.kubeInf.Apps().V1().ReplicaSets().Informer().GetStore(), items)
	svcs, _ := f.kube.CoreV1().Services("ns").List(ctx, metav1.ListOptions{})
	items = nil
	for i := range svcs.Items {
		items = append(items, &svcs.Items[i])
	}
	replace(f.kubeInf.Core().V1().Services().Informer().GetStore(), items)
	pods := podsOfReplicaSets(rss.Items)
	replace(f.pods.Informer().GetStore(), pods)
	var slices []any
	for i := range svcs.Items {
		if f.endpointsFollow {
			slices = append(slices, endpointSliceOf(&svcs.Items[i], pods))
		}
	}
	replace(f.kubeInf.Discovery().V1().EndpointSlices().Informer().GetStore(), slices)
}

// endpointSliceOf is a Service's EndpointSlice once its selector change has
// propagated: the pods (from podsOfReplicaSets) of the ReplicaSet the selector
// names, ready.
func endpointSliceOf(svc *corev1.Service, pods []any) *discoveryv1.EndpointSlice {
	ready := true
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: svc.Name + "-x", Namespace: svc.Namespace, Labels: map[string]string{discoveryv1.LabelServiceName: svc.Name}},
	}
	for _, o := range pods {
		if p := o.(*metav1.PartialObjectMetadata); p.Labels[HashLabel] == svc.Spec.Selector[HashLabel] {
			slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: p.Name}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}})
		}
	}
	return slice
}

// makePodsAvailable plays the ReplicaSet controller and kubelet at once.
func (f *fixture) makePodsAvailable(ctx context.Context) {
	rss, _ := f.kube.AppsV1().ReplicaSets("ns").List(ctx, metav1.ListOptions{})
	for i := range rss.Items {
		rs := &rss.Items[i]
		n := ptrValue(rs.Spec.Replicas)
		rs.Status = appsv1.ReplicaSetStatus{Replicas: n, ReadyReplicas: n, AvailableReplicas: n, ObservedGeneration: rs.Generation}
		if _, err := f.kube.AppsV1().ReplicaSets("ns").UpdateStatus(ctx, rs, metav1.UpdateOptions{}); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) rollout() *v1alpha1.Rollout {
	ro, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return ro
}

func (f *fixture) replicasByHash() map[string]int32 {
	rss, _ := f.kube.AppsV1().ReplicaSets("ns").List(context.Background(), metav1.ListOptions{})
	out := map[string]int32{}
	for _, rs := range rss.Items {
		out[rs.Labels[HashLabel]] = ptrValue(rs.Spec.Replicas)
	}
	return out
}

func (f *fixture) selects(service string) string {
	svc, err := f.kube.CoreV1().Services("ns").Get(context.Background(), service, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return svc.Spec.Selector[HashLabel]
}

func testRollout(image string) *v1alpha1.Rollout {
	w20, w50 := int32(20), int32(50)
	ro := &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "ro-uid", Generation: 1},
		Spec: v1alpha1.RolloutSpec{
			Replicas: ptrTo(int32(5)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image}}},
			},
			Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{
				StableService: "web-stable", CanaryService: "web-canary",
				Steps: []v1alpha1.CanaryStep{{SetWeight: &w20}, {Pause: &v1alpha1.RolloutPause{}}, {SetWeight: &w50}},
			}},
		},
	}
	v1alpha1.SetRolloutDefaults(ro)
	return ro
}

func service(name string) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}}}
}

func TestSyncFirstDeployThenCanaryStep(t *testing.T) {
	f := newFixture(t, testRollout("web:1"), service("web-stable"), service("web-canary"))
	for i := 0; i < 3; i++ {
		f.sync()
	}
	ro := f.rollout()
	first := ro.Status.StableRS
	if first == "" || ro.Status.Phase != v1alpha1.RolloutPhaseHealthy || f.replicasByHash()[first] != 5 {
		t.Fatalf("first deploy: phase %s stable %q replicas %v", ro.Status.Phase, first, f.replicasByHash())
	}
	if f.selects("web-stable") != first || f.selects("web-canary") != first {
		t.Fatalf("services not on the first ReplicaSet: %q %q", f.selects("web-stable"), f.selects("web-canary"))
	}

	ro.Spec.Template.Spec.Containers[0].Image = "web:2"
	ro.Generation++
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(context.Background(), ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		f.sync()
	}
	ro = f.rollout()
	canary := ro.Status.CurrentPodHash
	if ro.Status.Phase != v1alpha1.RolloutPhasePaused || ptrValue(ro.Status.CurrentStepIndex) != 1 {
		t.Fatalf("want paused at step 1, got %s step %d", ro.Status.Phase, ptrValue(ro.Status.CurrentStepIndex))
	}
	if got := f.replicasByHash(); got[canary] != 1 || got[first] != 4 {
		t.Fatalf("setWeight 20 of 5: %v", got)
	}
	if f.selects("web-canary") != canary || f.selects("web-stable") != first {
		t.Fatalf("services during the canary: stable %q canary %q", f.selects("web-stable"), f.selects("web-canary"))
	}
	// A further sync of the unchanged state writes nothing.
	f.kube.ClearActions()
	f.sluice.ClearActions()
	f.refresh(context.Background())
	if _, err := f.c.sync(context.Background(), cache.ObjectName{Namespace: "ns", Name: "web"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range append(f.kube.Actions(), f.sluice.Actions()...) {
		if a.GetVerb() != "get" && a.GetVerb() != "list" && a.GetVerb() != "watch" {
			t.Errorf("idle sync wrote: %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
}

// TestSyncHashCollision: when the name a new ReplicaSet would get is taken by a
// ReplicaSet with another template, the collision count goes up and the next sync
// creates the ReplicaSet under a new name.
func TestSyncHashCollision(t *testing.T) {
	ro := testRollout("web:1")
	taken := "web-" + podTemplateHash(&ro.Spec.Template, nil)
	squatter := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: taken, Namespace: "ns", Labels: map[string]string{"other": "app"}},
		Spec: appsv1.ReplicaSetSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"other": "app"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "x", Image: "other:1"}}},
		}},
	}
	f := newFixture(t, ro, service("web-stable"), service("web-canary"), squatter)
	f.refresh(context.Background())
	if _, err := f.c.sync(context.Background(), cache.ObjectName{Namespace: "ns", Name: "web"}); err == nil {
		t.Fatal("want an error for the collision")
	}
	if got := f.rollout().Status.CollisionCount; got == nil || *got != 1 {
		t.Fatalf("collisionCount = %v, want 1", got)
	}
	for i := 0; i < 3; i++ {
		f.sync()
	}
	ro = f.rollout()
	if ro.Status.StableRS == "" || "web-"+ro.Status.StableRS == taken || ro.Status.Phase != v1alpha1.RolloutPhaseHealthy {
		t.Fatalf("after the collision: stable %q phase %s", ro.Status.StableRS, ro.Status.Phase)
	}
}
