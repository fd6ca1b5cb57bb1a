package rollout

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestCountsOnlyStatusIsBatched: while a Rollout waits at a pause, a pod that
// stops being available changes only counts; that write waits countsDelay, and
// then carries the counts current at that time.
func TestCountsOnlyStatusIsBatched(t *testing.T) {
	ctx := context.Background()
	key := cache.ObjectName{Namespace: "ns", Name: "web"}
	f := newFixture(t, testRollout("web:1"), service("web-stable"), service("web-canary"))
	for i := 0; i < 3; i++ {
		f.sync()
	}
	ro := f.rollout()
	ro.Spec.Template.Spec.Containers[0].Image = "web:2"
	ro.Generation++
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(ctx, ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		f.sync()
	}
	if ro = f.rollout(); ro.Status.Phase != v1alpha1.RolloutPhasePaused || ro.Status.AvailableReplicas != 5 {
		t.Fatalf("want paused with 5 available, got %s with %d", ro.Status.Phase, ro.Status.AvailableReplicas)
	}

	stable, err := f.kube.AppsV1().ReplicaSets("ns").Get(ctx, "web-"+ro.Status.StableRS, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stable.Status.AvailableReplicas--
	if _, err := f.kube.AppsV1().ReplicaSets("ns").UpdateStatus(ctx, stable, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	syncOnce := func() time.Duration {
		t.Helper()
		f.refresh(ctx)
		d, err := f.c.sync(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := syncOnce(); d != countsDelay {
		t.Errorf("requeue after %v, want %v", d, countsDelay)
	}
	if got := f.rollout().Status.AvailableReplicas; got != 5 {
		t.Fatalf("counts written at once: availableReplicas %d", got)
	}
	f.clock.Step(2 * time.Second)
	if d := syncOnce(); d != countsDelay-2*time.Second {
		t.Errorf("requeue after %v, want the rest of the delay", d)
	}
	f.clock.Step(countsDelay - 2*time.Second)
	syncOnce()
	if got := f.rollout().Status; got.AvailableReplicas != 4 || got.Phase != v1alpha1.RolloutPhasePaused {
		t.Fatalf("after the delay: availableReplicas %d phase %s, want 4 Paused", got.AvailableReplicas, got.Phase)
	}
}

func TestOnlyCountsDiffer(t *testing.T) {
	base := v1alpha1.RolloutStatus{Phase: v1alpha1.RolloutPhaseProgressing, Replicas: 3, Message: "more replicas need to be updated",
		Conditions: []v1alpha1.RolloutCondition{{Type: v1alpha1.RolloutProgressing, Status: "True", Reason: v1alpha1.ReasonReplicaSetUpdated}}}
	counts := *base.DeepCopy()
	counts.Replicas, counts.AvailableReplicas, counts.Message = 2, 2, "waiting for the Service cutover to finish"
	counts.Conditions[0].LastUpdateTime = metav1.Now()
	if !onlyCountsDiffer(&base, &counts) {
		t.Error("counts, message and update time only: want batched")
	}
	step := *counts.DeepCopy()
	step.CurrentStepIndex = ptrTo(int32(2))
	if onlyCountsDiffer(&base, &step) {
		t.Error("a step change must be written at once")
	}
	reason := *counts.DeepCopy()
	reason.Conditions[0].Reason = v1alpha1.ReasonNewRSAvailable
	if onlyCountsDiffer(&base, &reason) {
		t.Error("a condition change must be written at once")
	}
}

func TestCountsDelayDependsOnPhase(t *testing.T) {
	for phase, want := range map[v1alpha1.RolloutPhase]time.Duration{
		v1alpha1.RolloutPhaseProgressing: progressingCountsDelay,
		v1alpha1.RolloutPhaseHealthy:     countsDelay,
		v1alpha1.RolloutPhasePaused:      countsDelay,
		v1alpha1.RolloutPhaseDegraded:    countsDelay,
	} {
		if got := countsDelayFor(&v1alpha1.RolloutStatus{Phase: phase}); got != want {
			t.Errorf("%s: counts wait %v, want %v", phase, got, want)
		}
	}
}

// TestProgressDeadlineWithCountsWaiting: while a counts-only write waits, the
// stored counts are behind; progress is judged against the status computed
// last, so a canary whose pods never become available still hits its deadline.
func TestProgressDeadlineWithCountsWaiting(t *testing.T) {
	ctx := context.Background()
	key := cache.ObjectName{Namespace: "ns", Name: "web"}
	ro := testRollout("web:1")
	ro.Spec.ProgressDeadlineSeconds = ptrTo(int32(10))
	f := newFixture(t, ro, service("web-stable"), service("web-canary"))
	for i := 0; i < 3; i++ {
		f.sync()
	}
	ro = f.rollout()
	ro.Spec.Template.Spec.Containers[0].Image = "web:2"
	ro.Generation++
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(ctx, ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	syncOnce := func() {
		t.Helper()
		f.refresh(ctx)
		if _, err := f.c.sync(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	syncOnce() // creates the canary
	canary, err := f.kube.AppsV1().ReplicaSets("ns").Get(ctx, "web-"+f.rollout().Status.CurrentPodHash, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Its pod exists and never becomes ready.
	canary.Status = appsv1.ReplicaSetStatus{Replicas: 1, ObservedGeneration: canary.Generation}
	if _, err := f.kube.AppsV1().ReplicaSets("ns").UpdateStatus(ctx, canary, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		f.clock.Step(2 * time.Second)
		syncOnce()
	}
	st := f.rollout().Status
	if c := condition(&st, v1alpha1.RolloutProgressing); st.Phase != v1alpha1.RolloutPhaseDegraded || c == nil || c.Reason != v1alpha1.ReasonProgressDeadlineExceeded {
		t.Fatalf("16 s without progress and a 10 s deadline: phase %s, Progressing %+v", st.Phase, c)
	}
}
