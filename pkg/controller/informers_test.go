package controller

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubefake "k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicefake "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/fake"
)

const (
	lastApplied = corev1.LastAppliedConfigAnnotation
	// subscribe is an annotation sluice reads (a notifications subscription).
	subscribe = "notifications.sluice.dev/subscribe.on-rollout-completed.webhook"
)

// applied is object metadata as a user's `kubectl apply` and the API server
// leave it: managedFields, the last-applied manifest, and the user's own
// annotation.
func applied(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name: name, Namespace: "shop",
		Annotations: map[string]string{lastApplied: `{"apiVersion":"…","kind":"…"}`, subscribe: "ops"},
		ManagedFields: []metav1.ManagedFieldsEntry{{
			Manager: "kubectl-client-side-apply", Operation: metav1.ManagedFieldsOperationUpdate,
			FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{}}`)},
		}},
	}
}

// TestCachedObjectsLeaveOutWhatSluiceNeverReads reads objects back from the
// controller's informers: managedFields are gone everywhere, kubectl's
// last-applied copy is gone except on Deployments (written back whole), and
// the annotations sluice reads stay.
func TestCachedObjectsLeaveOutWhatSluiceNeverReads(t *testing.T) {
	ro := &v1alpha1.Rollout{ObjectMeta: applied("checkout")}
	svc := &corev1.Service{ObjectMeta: applied("checkout-stable")}
	dep := &appsv1.Deployment{ObjectMeta: applied("checkout-legacy")}
	onlyApplied := &v1alpha1.Rollout{ObjectMeta: applied("cart")}
	onlyApplied.Annotations = map[string]string{lastApplied: "{}"}

	o := DefaultOptions()
	inf := newInformers(o, &clients{
		kube:     kubefake.NewClientset(svc, dep),
		sluice:   sluicefake.NewSimpleClientset(ro, onlyApplied),
		metadata: metadatafake.NewSimpleMetadataClient(metadatafake.NewTestScheme()),
	})
	rollouts := inf.sluice.Sluice().V1alpha1().Rollouts()
	services := inf.kube.Core().V1().Services()
	deployments := inf.kube.Apps().V1().Deployments()
	// Requested before the start, as the controllers do.
	rollouts.Informer()
	services.Informer()
	deployments.Informer()
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); inf.shutdown() }()
	inf.start(ctx)
	if !inf.waitForSync(ctx) {
		t.Fatal("informers did not sync")
	}

	cachedRollout, err := rollouts.Lister().Rollouts("shop").Get("checkout")
	if err != nil {
		t.Fatal(err)
	}
	cachedService, err := services.Lister().Services("shop").Get("checkout-stable")
	if err != nil {
		t.Fatal(err)
	}
	cachedDeployment, err := deployments.Lister().Deployments("shop").Get("checkout-legacy")
	if err != nil {
		t.Fatal(err)
	}
	cachedOnlyApplied, err := rollouts.Lister().Rollouts("shop").Get("cart")
	if err != nil {
		t.Fatal(err)
	}

	for kind, m := range map[string]metav1.Object{"Rollout": cachedRollout, "Service": cachedService, "Deployment": cachedDeployment} {
		if len(m.GetManagedFields()) != 0 {
			t.Errorf("cached %s keeps %d managedFields entries", kind, len(m.GetManagedFields()))
		}
		if m.GetAnnotations()[subscribe] != "ops" {
			t.Errorf("cached %s lost the annotation sluice reads: %v", kind, m.GetAnnotations())
		}
	}
	for kind, m := range map[string]metav1.Object{"Rollout": cachedRollout, "Service": cachedService} {
		if _, ok := m.GetAnnotations()[lastApplied]; ok {
			t.Errorf("cached %s keeps kubectl's last-applied configuration", kind)
		}
	}
	if _, ok := cachedDeployment.Annotations[lastApplied]; !ok {
		t.Error("cached Deployment lost kubectl's last-applied configuration; workloadRef's scale-down would delete it from the cluster")
	}
	if cachedOnlyApplied.Annotations != nil {
		t.Errorf("a Rollout whose only annotation was kubectl's is cached with annotations %v, want none", cachedOnlyApplied.Annotations)
	}
}

// TestTrimCachedPassesTombstonesThrough: a deletion the informer missed
// arrives as a tombstone, which has no metadata to trim.
func TestTrimCachedPassesTombstonesThrough(t *testing.T) {
	tombstone := cache.DeletedFinalStateUnknown{Key: "shop/checkout", Obj: &v1alpha1.Rollout{ObjectMeta: applied("checkout")}}
	got, err := trimCached(tombstone)
	if err != nil {
		t.Fatal(err)
	}
	if got != tombstone {
		t.Fatalf("trimCached changed a tombstone into %#v", got)
	}
}

// TestTrimCachedOnMetadataOnlyPods: the pod informer caches
// PartialObjectMetadata, trimmed the same way.
func TestTrimCachedOnMetadataOnlyPods(t *testing.T) {
	pod := &metav1.PartialObjectMetadata{ObjectMeta: applied("checkout-5c7b9f8d6b-x2v9q")}
	if _, err := trimCached(pod); err != nil {
		t.Fatal(err)
	}
	if len(pod.ManagedFields) != 0 || pod.Annotations[lastApplied] != "" || pod.Annotations[subscribe] != "ops" {
		t.Fatalf("pod metadata trimmed to managedFields %v, annotations %v", pod.ManagedFields, pod.Annotations)
	}
}
