package plan

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// Planner defects the world model found in the baseline (world_baseline_test.go,
// FuzzWorld); each test is the smallest world that shows one. The world checks
// SPEC §2.7 and §9 after every tick.

// TestBaselineGoesWhenTheCanaryReachesFullWeight: without a router, a
// setWeight 100 step kept the baseline, at the canary's full size, although
// SPEC §9 removes it when the canary reaches 100%.
func TestBaselineGoesWhenTheCanaryReachesFullWeight(t *testing.T) {
	w := healthyWorld(t, 4, withWorldBaseline(canaryWithServices(weight(20), pauseForever(), weight(100), pauseForever()), nil, false))
	w.deploy("b")
	w.pausedAt(1, 20)
	w.assertBaselineBesideCanary(20)
	w.promote()
	w.pausedAt(3, 20)
	w.assertNoBaseline("with the canary at 100%")
}

// TestBaselinePromotionKeepsTheOldStableWhileTheBaselineServiceSendsToIt:
// without a router, the promotion pointed the baselineService at the old
// stable ReplicaSet, then — in the reconcile that completed the promotion —
// at the new one, and scaled the old one to 0 in that same reconcile: the
// baselineService's EndpointSlices still listed the old stable's pods.
func TestBaselinePromotionKeepsTheOldStableWhileTheBaselineServiceSendsToIt(t *testing.T) {
	w := healthyWorld(t, 1, withWorldBaseline(canaryWithServices(weight(20), pauseForever()), nil, true))
	w.deploy("b")
	w.pausedAt(1, 20)
	w.promote()
	// Each tick checks that endpoints never send to a ReplicaSet without pods.
	w.runUntil("b stable, a and the baseline gone", 20, time.Second, func() bool {
		return w.ro.Status.StableRS == "b" && w.rs["a"].Replicas == 0 && len(w.baselines) == 0
	})
	if svc := w.services["baseline"]; svc.SelectedHash != "b" {
		t.Fatalf("after promotion the baselineService selects %q, want b (%s)", svc.SelectedHash, w)
	}
}

// TestBaselineResizedToNoPodsLosesItsWeightFirst: with a router, a baseline
// whose size became 0 (a user setting baseline.replicas to 0 mid-release) was
// scaled to 0 while the router was asked to go on sending it the canary's
// weight (found by FuzzWorld, before the baseline had taken any weight too).
func TestBaselineResizedToNoPodsLosesItsWeightFirst(t *testing.T) {
	w := healthyWorld(t, 4, withWorldBaseline(routedCanary(weight(40), pauseForever()), nil, true))
	w.deploy("b")
	w.pausedAt(1, 20)
	w.assertBaselineBesideCanary(40)
	w.ro.Spec.Strategy.Canary.Baseline.Replicas = ptr(intstr.FromInt32(0))
	// Each tick checks that no weight goes to a ReplicaSet without pods, also
	// between the ReplicaSet writes and the router write.
	w.assertNoBaseline("with baseline.replicas 0")
	if wt := w.ro.Status.Canary.Weights; wt.Canary.Weight != 40 || wt.Stable.Weight != 60 {
		t.Fatalf("without the baseline the router carries %s, want canary 40, stable 60 (%s)", w.weightsString(), w)
	}
}

// TestRoutedAbortKeepsTheCanaryWhileAServiceLeavesIt (not the baseline's:
// FuzzWorld found it while it ran with the baseline): with the router
// rejecting every update, a retry's status is never written, so the stored
// abortedAt of the first abort stays. A promotion after that retry moved the
// stable Service to the canary (Services are written before the router); a
// second abort then counted its delay from the first abort's abortedAt and
// scaled the canary to 0 in the reconcile that moved the stable Service back,
// while its EndpointSlices still listed the canary's pods.
func TestRoutedAbortKeepsTheCanaryWhileAServiceLeavesIt(t *testing.T) {
	w := healthyWorld(t, 1, routedCanary(pauseForever()))
	w.endpointLag = 2
	w.deploy("b")
	w.pausedAt(0, 10)
	w.ro.Status.Abort = true
	w.tick(time.Second)
	w.routerDown = true
	w.ro.Status.Abort = false // retry
	w.promote()
	w.runUntil("the stable Service moved to b", 10, time.Second, func() bool { return w.services["stable"].SelectedHash == "b" })
	w.now = w.now.Add(time.Minute)
	w.ro.Status.Abort = true
	// Each tick checks that endpoints never send to a ReplicaSet without pods.
	w.runUntil("the stable Service back on a", 10, time.Second, func() bool {
		return w.services["stable"].SelectedHash == "a" && w.services["stable"].Settled
	})
	w.routerDown = false
	w.runUntil("b gone after the abort", 60, time.Second, func() bool { return w.rs["b"].Replicas == 0 })
}
