package plan

import (
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

var getRequests = v1alpha1.RouteMatch{Method: &v1alpha1.StringMatch{Exact: "GET"}}

// The defects below were found by FuzzWorld; each test is the smallest world
// that showed one. The world checks SPEC §2.7 after every tick.

// TestWeightBackToZeroMovesTheCanaryServiceFirst: setWeight 40 then setWeight
// 0 completed in one reconcile used to scale the canary to 0 while the canary
// Service still selected it.
func TestWeightBackToZeroMovesTheCanaryServiceFirst(t *testing.T) {
	for _, replicas := range []int32{1, 3} {
		w := healthyWorld(t, replicas, canaryWithServices(weight(40), weight(0), pauseForever()))
		w.deploy("b")
		w.runUntil("paused at weight 0", 20, time.Second, w.paused)
		if w.rs["b"].Replicas != 0 || w.services["canary"].SelectedHash != "a" {
			t.Fatalf("%d replicas: at weight 0 want no canary pods and the canary Service on stable (%s)", replicas, w)
		}
	}
}

// TestStepsCompletingTogetherSpendTheAvailabilityBudgetOnce: a pause step and
// the promotion after it, planned in one reconcile, each scaled down a
// superseded canary within maxUnavailable — twice the budget together.
func TestStepsCompletingTogetherSpendTheAvailabilityBudgetOnce(t *testing.T) {
	w := healthyWorld(t, 2, canaryWithServices(pauseForever()))
	w.deploy("b")
	w.runUntil("paused on b", 5, time.Second, w.paused)
	w.promote()
	w.runUntil("b promoting with 2 pods", 5, time.Second, func() bool { return w.rs["b"].Available == 2 })
	w.deploy("c")
	w.runUntil("paused on c", 5, time.Second, w.paused)
	w.promote()
	// Each tick checks availability ≥ replicas − maxUnavailable (2 − 0).
	w.runUntil("c stable", 30, time.Second, func() bool { return w.ro.Status.StableRS == "c" })
}

// TestRouteKeepsACanaryPodAtWeightZero: a mirror route set while the canary had
// pods, then setWeight 0: the canary keeps a pod while the route points at it.
func TestRouteKeepsACanaryPodAtWeightZero(t *testing.T) {
	w := healthyWorld(t, 1, routedCanary(weight(40), mirrorRoute("mirror-1", getRequests), weight(0), pauseForever()))
	w.deploy("b")
	w.runUntil("paused at weight 0", 20, time.Second, w.paused)
	if w.rs["b"].Replicas != 1 || w.traffic().Weight != 0 {
		t.Fatalf("at weight 0 with a mirror route want 1 canary pod and weight 0 (%s)", w)
	}
}

// TestAbortMovesTheCanaryServiceBeforeThePodsGo: an abort pointed the canary
// Service back at stable and scaled the canary to 0 in the same reconcile,
// while the Service's EndpointSlices still listed the canary pods.
func TestAbortMovesTheCanaryServiceBeforeThePodsGo(t *testing.T) {
	w := healthyWorld(t, 4, canaryWithServices(weight(20), pauseForever()))
	w.endpointLag = 2
	w.deploy("b")
	w.runUntil("paused at 20", 10, time.Second, w.paused)
	w.ro.Status.Abort = true
	// Each tick checks that endpoints never send to a ReplicaSet without pods.
	w.runUntil("canary gone after the abort", 10, time.Second, func() bool { return w.rs["b"].Replicas == 0 })
	if w.services["canary"].SelectedHash != "a" || w.rs["a"].Available != 4 {
		t.Fatalf("after the abort: %s", w)
	}
}

// TestRoutedWeightBackToZeroMovesTheCanaryServiceFirst: with a router,
// setWeight 40 then setWeight 0 scaled the canary to 0 in the reconcile that
// pointed the canary Service back at stable, while its EndpointSlices still
// listed the canary pods.
func TestRoutedWeightBackToZeroMovesTheCanaryServiceFirst(t *testing.T) {
	w := healthyWorld(t, 1, routedCanary(weight(40), weight(0), pauseForever()))
	w.deploy("b")
	w.runUntil("paused at weight 0", 20, time.Second, w.paused)
	if w.rs["b"].Replicas != 0 || w.services["canary"].SelectedHash != "a" || w.traffic().Weight != 0 {
		t.Fatalf("at weight 0 want no canary pods, the canary Service and all traffic on stable (%s)", w)
	}
}

// TestDynamicStableScaleSupersededDuringPromotionKeepsTheShortfall: with
// dynamicStableScale, a canary being promoted (40% of traffic, the stable side
// at 5 of 7 pods) was superseded by a template without pods, and all traffic
// went to the stable side at once, beyond what its pods can carry.
func TestDynamicStableScaleSupersededDuringPromotionKeepsTheShortfall(t *testing.T) {
	c := routedCanary(weight(40), pauseForever())
	dynamicStableScale(c)
	w := healthyWorld(t, 7, c)
	w.deploy("b")
	w.runUntil("paused at 40", 20, time.Second, w.paused)
	w.promote()
	w.tick(time.Second) // the promotion starts: b grows
	w.deploy("c")
	// Each tick checks the stable side never carries more than its pods can.
	w.runUntil("paused on c at 40 with b gone", 40, time.Second, func() bool {
		return w.paused() && w.traffic() == carried{40, "a", "c"} && w.rs["b"].Replicas == 0
	})
}

// TestDynamicStableScaleSupersededCanaryKeepsWhatTheShrinkingStableCannotCarry:
// the reconcile that superseded a canary holding 50% also shrank the stable
// side (2 pods to 1) for the new canary's first step, and counted the stable
// pods it was removing when it gave the traffic back to stable.
func TestDynamicStableScaleSupersededCanaryKeepsWhatTheShrinkingStableCannotCarry(t *testing.T) {
	c := routedCanary(mirrorRoute("mirror-1", getRequests), weight(50), pauseForever())
	dynamicStableScale(c)
	w := healthyWorld(t, 2, c)
	w.deploy("b")
	w.runUntil("paused at 50", 20, time.Second, w.paused)
	w.deploy("c")
	w.runUntil("paused on c at 50 with b gone", 40, time.Second, func() bool {
		return w.paused() && w.traffic() == carried{50, "a", "c"} && w.rs["b"].Replicas == 0
	})
}

// TestPromotionKeepsTheOldStableWhileTheCanaryServiceStillSendsToIt: the
// canary Service switched to the canary just before promotion completed, its
// EndpointSlices lagging; the old stable ReplicaSet was scaled to 0 while
// they still listed its pods.
func TestPromotionKeepsTheOldStableWhileTheCanaryServiceStillSendsToIt(t *testing.T) {
	w := healthyWorld(t, 2, canaryWithServices(pauseForever()))
	w.deploy("b")
	w.tick(time.Second)
	w.promote()
	w.tick(time.Second)
	w.endpointLag = 3
	w.tick(time.Second)
	w.heal()
	// Each tick checks that endpoints never send to a ReplicaSet without pods.
	w.runUntil("b stable and a gone", 20, time.Second, func() bool { return w.ro.Status.StableRS == "b" && w.rs["a"].Replicas == 0 })
}
