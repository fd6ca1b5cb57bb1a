package plan

import (
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestTimelineShareIsTheWeightTheRouterCarries drives the same routed canary
// through the world model of sim_test.go (the controller's planning against a
// cluster that checks SPEC §2.7 at every reconcile) and through `plan`'s
// timeline, and compares each step's SHARE with the weight the world's router
// carries for it: while the rollout waits at a pause or an analysis, and right
// after the reconcile that completed a step when that step is the last one the
// reconcile completed (a step completed on the way to a later one in the same
// reconcile has no state of its own in the cluster). Every pause and analysis
// must be seen. The step lists never lower the weight, so no later step moves
// traffic in the reconcile that completes an earlier one.
func TestTimelineShareIsTheWeightTheRouterCarries(t *testing.T) {
	beta := v1alpha1.HeaderRoutingMatch{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "true"}}
	cases := []struct {
		name     string
		replicas int32
		steps    []v1alpha1.CanaryStep
		change   func(*v1alpha1.CanaryStrategy)
	}{
		{"weights and timed pauses", 10, steps(weight(10), pauseFor(5), weight(50), weight(70), pauseForever()), nil},
		{"the Istio example", 4, steps(canaryScale(v1alpha1.SetCanaryScale{Replicas: ptr(int32(1))}), headerRoute("header-1", beta), pauseForever(),
			weight(10), canaryScale(v1alpha1.SetCanaryScale{MatchTrafficWeight: true}), pauseFor(3), weight(50), pauseFor(3)), nil},
		{"an analysis between weights", 5, steps(weight(20), analysisStep(), weight(60), pauseForever()), nil},
		{"dynamicStableScale", 10, steps(weight(30), pauseFor(2), weight(80), pauseForever()), dynamicStableScale},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := routedCanary(tc.steps...)
			if tc.change != nil {
				tc.change(c)
			}
			ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: ptr(tc.replicas), Strategy: v1alpha1.RolloutStrategy{Canary: c.DeepCopy()}}}
			tl, err := NewTimeline(ro, TimelineOptions{PodReady: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			planned := map[int]int32{}
			for _, r := range tl.Rows {
				if r.Step >= 0 {
					planned[r.Step] = r.Weight
				}
			}

			w := healthyWorld(t, tc.replicas, c)
			w.stepAnalysis = v1alpha1.AnalysisPhaseSuccessful
			w.deploy("b")
			seen := map[int][]int32{}
			for range 200 {
				if w.ro.Status.StableRS == "b" {
					break
				}
				if w.paused() && w.ro.Status.CurrentPodHash == "b" && w.pausedIndefinitely() {
					w.promote()
				}
				before := int(idx(w.ro.Status.CurrentStepIndex))
				if w.ro.Status.CurrentPodHash != "b" {
					before = 0
				}
				w.tick(time.Second)
				after := int(idx(w.ro.Status.CurrentStepIndex))
				if w.ro.Status.StableRS == "b" {
					break
				}
				if after > before {
					seen[after-1] = append(seen[after-1], w.traffic().Weight)
				}
				if after < len(tc.steps) && waits(tc.steps[after]) {
					seen[after] = append(seen[after], w.traffic().Weight)
				}
			}
			if w.ro.Status.StableRS != "b" {
				t.Fatalf("the world never promoted b (%s)", w)
			}
			for k, step := range tc.steps {
				got := seen[k]
				if len(got) == 0 && waits(step) {
					t.Errorf("step %d (%s): never seen in the world", k+1, describeStep(step))
				}
				for _, weight := range got {
					if planned[k] != weight {
						t.Errorf("step %d (%s): plan shows SHARE %d%%, the router carried %d%% for it",
							k+1, describeStep(step), planned[k], weight)
						break
					}
				}
			}
			if t.Failed() {
				t.Logf("plan: %v\nworld: %v", planned, seen)
			}
		})
	}
}

// waits reports whether the rollout waits at a step: a pause or an analysis.
func waits(step v1alpha1.CanaryStep) bool { return step.Pause != nil || step.Analysis != nil }

// TestTimelineShareOfAPauseBeforeALowerWeight: a pause holds the weight before
// it even when the reconcile that ends it starts moving traffic down for the
// next setWeight.
func TestTimelineShareOfAPauseBeforeALowerWeight(t *testing.T) {
	c := routedCanary(weight(50), pauseForever(), weight(20), pauseForever())
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: ptr(int32(4)), Strategy: v1alpha1.RolloutStrategy{Canary: c}}}
	tl, err := NewTimeline(ro, TimelineOptions{PodReady: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ share, newPods int32 }{{50, 2}, {50, 2}, {20, 1}, {20, 1}}
	for i, w := range want {
		if r := tl.Rows[i]; r.Step != i || r.Weight != w.share || r.Canary != w.newPods {
			t.Errorf("row %d: %s, want share %d%% with %d new pods", i+1, describeRows(tl.Rows[i:i+1]), w.share, w.newPods)
		}
	}
}

// pausedIndefinitely reports whether the world waits at a pause step without
// a duration, which a person ends.
func (w *world) pausedIndefinitely() bool {
	steps := w.ro.Spec.Strategy.Canary.Steps
	i := int(idx(w.ro.Status.CurrentStepIndex))
	return i >= 0 && i < len(steps) && steps[i].Pause != nil && steps[i].Pause.Duration == nil
}

func analysisStep() v1alpha1.CanaryStep {
	return v1alpha1.CanaryStep{Analysis: &v1alpha1.RolloutAnalysis{}}
}
