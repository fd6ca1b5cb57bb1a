package rollout

import (
	"context"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestTemplateChangedWhileInvalidRollsOutOnceValid: a new image arrives together
// with a reference to a Service that is created a moment later (kubectl apply
// -f dir/, GitOps sync waves). The InvalidSpec status write records the new
// generation; the template's ReplicaSet must still be looked for once the spec is
// valid, and the new image released through the steps.
func TestTemplateChangedWhileInvalidRollsOutOnceValid(t *testing.T) {
	f := newFixture(t, testRollout("web:1"), service("web-stable"), service("web-canary"))
	for range 3 {
		f.sync()
	}
	first := f.rollout().Status.StableRS

	ro := f.rollout()
	ro.Spec.Template.Spec.Containers[0].Image = "web:2"
	ro.Spec.Strategy.Canary.CanaryService = "web-canary-2"
	ro.Generation++
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(context.Background(), ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.refresh(context.Background())
	if _, err := f.c.sync(context.Background(), cache.ObjectName{Namespace: "ns", Name: "web"}); !errors.Is(err, errSpecInvalid) {
		t.Fatalf("sync with a missing Service: %v, want InvalidSpec", err)
	}
	if got := f.rollout().Status.Phase; got != v1alpha1.RolloutPhaseDegraded {
		t.Fatalf("phase %s, want Degraded (InvalidSpec)", got)
	}

	if _, err := f.kube.CoreV1().Services("ns").Create(context.Background(), service("web-canary-2"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		f.sync()
	}
	got := f.rollout()
	if got.Status.CurrentPodHash == first || ptrValue(got.Status.CurrentStepIndex) != 1 || got.Status.Phase != v1alpha1.RolloutPhasePaused {
		t.Fatalf("after the Service appeared: current %q (first %q), step %d, phase %s — want the new template paused at step 1",
			got.Status.CurrentPodHash, first, ptrValue(got.Status.CurrentStepIndex), got.Status.Phase)
	}
	if n := f.replicasByHash()[got.Status.CurrentPodHash]; n != 1 {
		t.Fatalf("new template runs %d pods at setWeight 20 of 5, want 1", n)
	}
}
