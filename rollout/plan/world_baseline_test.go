package plan

import (
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// These tests drive a canary with a baseline (canary.baseline, SPEC §9)
// through the world model, which checks SPEC §2.7 with the baseline as a third
// side after every reconcile and between its ReplicaSet writes and its router
// write (sim_test.go, sim_baseline_test.go): weights sum to 100 with the
// baseline at most 50 and at most the canary, no weight or Service toward a
// ReplicaSet without pods, a baseline that never carries traffic alone, a
// completed setWeight step only with the baseline at its size, and no baseline
// left a few reconciles after the steps stop needing it.

// baselineKind is a kind of canary with a baseline: with or without a router,
// with or without a baselineService.
type baselineKind struct {
	name   string
	routed bool
	// service names a baselineService (always set with a router).
	service bool
}

var baselineKinds = []baselineKind{
	{name: "routed", routed: true, service: true},
	{name: "unrouted", routed: false},
	{name: "unrouted with baselineService", routed: false, service: true},
}

// strategy is the kind's canary: weight 20, a timed pause, weight 50 and a
// pause, a weight without room for a baseline and a pause, then weight 30, an
// analysis and a last pause.
func (k baselineKind) strategy(size *intstr.IntOrString) *v1alpha1.CanaryStrategy {
	noRoom, build := k.noRoom(), canaryWithServices
	if k.routed {
		build = routedCanary
	}
	analysis := v1alpha1.CanaryStep{Analysis: &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "judge"}}}}
	c := build(weight(20), pauseFor(10), weight(50), pauseForever(), weight(noRoom), pauseForever(), weight(30), analysis, pauseForever())
	return withWorldBaseline(c, size, k.service)
}

// noRoom is a weight that leaves no room for a baseline beside a canary that
// runs: above 50 with a router, 100 without.
func (k baselineKind) noRoom() int32 {
	if k.routed {
		return 60
	}
	return 100
}

// baselineWorld is a Healthy rollout on "a" with the kind's strategy; the step
// analysis passes.
func baselineWorld(t *testing.T, k baselineKind, replicas int32, size *intstr.IntOrString) *world {
	w := healthyWorld(t, replicas, k.strategy(size))
	w.stepAnalysis = v1alpha1.AnalysisPhaseSuccessful
	return w
}

// pausedAt runs until the rollout pauses at step index i of its current
// template and steps (a status written for earlier steps does not count).
func (w *world) pausedAt(i int32, limit int) {
	w.t.Helper()
	w.runUntil(fmt.Sprintf("paused at step %d", i), limit, time.Second, func() bool {
		st := w.ro.Status
		current := st.CurrentPodHash == w.current && st.CurrentStepHash == StepsHash(w.ro.Spec.Strategy.Canary.Steps)
		return current && w.paused() && idx(st.CurrentStepIndex) == i
	})
}

// canaryBaseline is the current canary's baseline ReplicaSet, or nil.
func (w *world) canaryBaseline() *ReplicaSet {
	return w.baselines[BaselineHash(w.ro.Status.StableRS, w.current)]
}

// assertBaselineBesideCanary asserts, at a pause at weight, what a user sees:
// the baseline runs its size with all pods available (as many as the canary for
// matchCanary); with a router it takes the canary's weight and stable the rest.
func (w *world) assertBaselineBesideCanary(weight int32) {
	w.t.Helper()
	b := w.canaryBaseline()
	want := w.baselineSizeBeside(w.available(w.current))
	if b == nil || b.Available != want || b.Replicas != want || len(w.baselines) != 1 {
		w.t.Fatalf("at weight %d want one baseline with %d available pods beside canary %s (%s)", weight, want, w.current, w)
	}
	if svc := w.services["baseline"]; svc != nil && svc.SelectedHash != b.Hash {
		w.t.Fatalf("at weight %d the baselineService selects %q, want the baseline %s (%s)", weight, svc.SelectedHash, b.Hash, w)
	}
	if w.ro.Spec.Strategy.Canary.TrafficRouting == nil {
		return
	}
	wt := w.ro.Status.Canary.Weights
	if wt.Canary.Weight != weight || baselineShare(wt).Weight != weight || wt.Stable.Weight != 100-2*weight || baselineShare(wt).PodTemplateHash != b.Hash {
		w.t.Fatalf("at weight %d the router carries %s, want canary %d, baseline %d, stable %d (%s)",
			weight, w.weightsString(), weight, weight, 100-2*weight, w)
	}
}

// assertNoBaseline runs until no baseline ReplicaSet is left and nothing
// sends to one: no baseline weight, the baselineService back on stable.
func (w *world) assertNoBaseline(why string) {
	w.t.Helper()
	w.runUntil("no baseline "+why, w.baselineRetireLimit()+2, time.Second, func() bool {
		svc := w.services["baseline"]
		return len(w.baselines) == 0 && (svc == nil || svc.SelectedHash == w.ro.Status.StableRS)
	})
	if b := baselineShare(w.ro.Status.Canary.Weights); b.Weight != 0 {
		w.t.Fatalf("no baseline %s, yet the router sends it %d%% (%s)", why, b.Weight, w)
	}
}

// runToPromotion walks the kind's steps from the first pause on, promoting at
// each indefinite pause, and asserts the baseline at every pause and its
// removal at the weight without room and after promotion.
func (w *world) runToPromotion(limit int) {
	w.t.Helper()
	w.pausedAt(3, limit)
	w.assertBaselineBesideCanary(50)
	w.promote()
	w.pausedAt(5, limit)
	w.assertNoBaseline("at a weight without room for one")
	w.promote()
	w.pausedAt(8, limit)
	w.assertBaselineBesideCanary(30)
	w.promote()
	w.runUntil("b stable, at full size", limit, time.Second, func() bool {
		return w.ro.Status.StableRS == "b" && w.available("b") == *w.ro.Spec.Replicas
	})
	w.assertNoBaseline("after promotion")
	for role, svc := range w.services {
		if svc.SelectedHash != "b" {
			w.t.Fatalf("after promotion the %s Service selects %q (%s)", role, svc.SelectedHash, w)
		}
	}
}

func TestBaselineThroughAllStepsToPromotion(t *testing.T) {
	two, half := intstr.FromInt32(2), intstr.FromString("50%")
	sizes := []struct {
		name string
		size *intstr.IntOrString
	}{{"matchCanary", nil}, {"replicas 2", &two}, {"50%", &half}}
	for _, k := range baselineKinds {
		for _, s := range sizes {
			for _, replicas := range []int32{1, 3, 10} {
				t.Run(fmt.Sprintf("%s/%s/%d", k.name, s.name, replicas), func(t *testing.T) {
					w := baselineWorld(t, k, replicas, s.size)
					w.deploy("b")
					w.pausedAt(1, 20) // the timed pause after weight 20
					w.assertBaselineBesideCanary(20)
					w.runToPromotion(60)
				})
			}
		}
	}
}

// TestBaselineUnderFaults walks every step to promotion with a router that
// rejects every other update, EndpointSlices three reconciles behind a
// selector change, pods that come one per reconcile, and baseline pods that
// start three reconciles after the canary's.
func TestBaselineUnderFaults(t *testing.T) {
	faults := []struct {
		name  string
		apply func(*world)
	}{
		{"router takes every other update", func(w *world) { w.routerAcceptsEvery = 2 }},
		{"endpoint lag 3", func(w *world) { w.endpointLag = 3 }},
		{"one pod per reconcile", func(w *world) { w.podsPerTick = 1 }},
		{"baseline pods three reconciles late", func(w *world) { w.baselineStartTicks = 3 }},
		{"all of them", func(w *world) { w.routerAcceptsEvery, w.endpointLag, w.podsPerTick, w.baselineStartTicks = 2, 3, 1, 3 }},
	}
	for _, k := range baselineKinds {
		for _, f := range faults {
			for _, replicas := range []int32{1, 5} {
				t.Run(fmt.Sprintf("%s/%s/%d", k.name, f.name, replicas), func(t *testing.T) {
					w := baselineWorld(t, k, replicas, nil)
					f.apply(w)
					w.deploy("b")
					w.runToPromotion(120)
				})
			}
		}
	}
}

// TestBaselineAbortAtEachStep aborts when the rollout reaches each step: all
// traffic goes back to stable at once, the baseline goes once nothing sends to
// it, the canary after the abort delay; a retry starts a fresh baseline.
func TestBaselineAbortAtEachStep(t *testing.T) {
	for _, k := range baselineKinds {
		steps := len(k.strategy(nil).Steps)
		for at := int32(0); at < int32(steps); at++ {
			t.Run(fmt.Sprintf("%s/step %d", k.name, at), func(t *testing.T) {
				w := baselineWorld(t, k, 4, nil)
				w.endpointLag = 2
				w.deploy("b")
				w.runUntil(fmt.Sprintf("at step %d", at), 60, time.Second, func() bool {
					if idx(w.ro.Status.CurrentStepIndex) == at {
						return true
					}
					if w.paused() {
						w.promote()
					}
					return false
				})
				w.ro.Status.Abort = true
				w.tick(time.Second)
				if wt := w.ro.Status.Canary.Weights; k.routed && (wt.Canary.Weight != 0 || baselineShare(wt).Weight != 0) {
					t.Fatalf("right after the abort the router carries %s, want everything on stable (%s)", w.weightsString(), w)
				}
				w.assertNoBaseline("after the abort")
				w.runUntil("canary gone and stable at full size after the abort", 40, time.Second, func() bool {
					return w.rs["b"].Replicas == 0 && w.available("a") == 4
				})
				if len(w.baselines) != 0 {
					t.Fatalf("a baseline came back after the abort (%s)", w)
				}
				w.ro.Status.Abort = false
				w.pausedAt(1, 30)
				w.assertBaselineBesideCanary(20)
			})
		}
	}
}

// TestBaselineSupersededByANewCanary deploys "c" while "b" pauses with its
// baseline: the old baseline goes once nothing sends to it, and "c" gets a
// baseline of its own (a new hash, so its pods start with the new canary).
func TestBaselineSupersededByANewCanary(t *testing.T) {
	for _, k := range baselineKinds {
		for _, replicas := range []int32{1, 4} {
			t.Run(fmt.Sprintf("%s/%d", k.name, replicas), func(t *testing.T) {
				w := baselineWorld(t, k, replicas, nil)
				w.endpointLag = 2
				w.deploy("b")
				w.pausedAt(3, 40)
				old := w.canaryBaseline()
				w.deploy("c")
				w.runUntil("the old baseline gone", 20, time.Second, func() bool { return w.baselines[old.Hash] == nil })
				w.pausedAt(1, 40)
				if b := w.canaryBaseline(); b == nil || b.Hash == old.Hash {
					t.Fatalf("canary c has no baseline of its own (%s)", w)
				}
				w.assertBaselineBesideCanary(20)
				w.runUntil("b gone", 40, time.Second, func() bool { return w.rs["b"].Replicas == 0 })
			})
		}
	}
}

// TestBaselineStepsChangedMidRelease changes the steps while the canary
// pauses with its baseline: the steps start over and the baseline follows the
// new weights — resized for a new weight with room, gone for one without
// (weight 0 here; the weight without room beside a running canary is in
// TestBaselineThroughAllStepsToPromotion).
func TestBaselineStepsChangedMidRelease(t *testing.T) {
	for _, k := range baselineKinds {
		t.Run(k.name, func(t *testing.T) {
			w := baselineWorld(t, k, 10, nil)
			w.deploy("b")
			w.pausedAt(3, 40)
			c := w.ro.Spec.Strategy.Canary
			c.Steps = steps(weight(10), pauseForever(), weight(40), pauseForever())
			w.pausedAt(1, 40)
			w.assertBaselineBesideCanary(10)
			c.Steps = steps(weight(0), pauseForever(), weight(40), pauseForever())
			w.pausedAt(1, 40)
			w.assertNoBaseline("at a weight without room for one")
			w.promote()
			w.pausedAt(3, 40)
			w.assertBaselineBesideCanary(40)
		})
	}
}

// TestBaselineWithZeroReplicas: a rollout of 0 replicas has no canary to
// compare, so it goes straight to the new template and never makes a baseline.
func TestBaselineWithZeroReplicas(t *testing.T) {
	for _, k := range baselineKinds {
		t.Run(k.name, func(t *testing.T) {
			w := baselineWorld(t, k, 0, nil)
			w.deploy("b")
			w.runUntil("b stable", 10, time.Second, func() bool { return w.ro.Status.StableRS == "b" })
			for range 5 {
				w.tick(time.Second)
				if len(w.baselines) != 0 {
					t.Fatalf("a baseline at 0 replicas (%s)", w)
				}
			}
		})
	}
}

// TestBaselineLateWaitsWithoutWeight: a baseline whose pods start late (here,
// long after the canary's) gets no weight and no baselineService until it has
// them; the canary takes its weight meanwhile and the step waits.
func TestBaselineLateWaitsWithoutWeight(t *testing.T) {
	for _, k := range baselineKinds {
		t.Run(k.name, func(t *testing.T) {
			w := baselineWorld(t, k, 4, nil)
			w.baselineStartTicks = 10
			w.deploy("b")
			for range 8 {
				w.tick(time.Second)
			}
			if idx(w.ro.Status.CurrentStepIndex) != 0 || w.available("b") != 1 {
				t.Fatalf("the step completed without the baseline's pods, or the canary is not ready (%s)", w)
			}
			if svc := w.services["baseline"]; svc != nil && svc.SelectedHash != "a" {
				t.Fatalf("the baselineService selects %q before the baseline has pods, want stable a (%s)", svc.SelectedHash, w)
			}
			if wt := w.ro.Status.Canary.Weights; k.routed && (wt.Canary.Weight != 20 || baselineShare(wt).Weight != 0) {
				t.Fatalf("waiting for the baseline the router carries %s, want canary 20 and no baseline (%s)", w.weightsString(), w)
			}
			w.pausedAt(1, 10)
			w.assertBaselineBesideCanary(20)
		})
	}
}
