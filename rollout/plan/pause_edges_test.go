package plan

import (
	"fmt"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The user pause (spec.paused) holds scaling and stepping, never an abort: an
// abort by the user or by an analysis that fails during the pause acts at once.

func TestAbortActsDuringManualPause(t *testing.T) {
	for _, routed := range []bool{false, true} {
		t.Run(fmt.Sprintf("routed=%v", routed), func(t *testing.T) {
			c := canaryWithServices(weight(50), pauseForever())
			if routed {
				c = routedCanary(weight(50), pauseForever())
				c.AbortScaleDownDelaySeconds = ptr(int32(1))
			}
			w := healthyWorld(t, 4, c)
			w.deploy("b")
			w.runUntil("paused at weight 50", 20, time.Second, w.paused)
			w.ro.Spec.Paused = true
			w.ro.Status.Abort = true
			w.runUntil("traffic and Services back on a, the canary gone", 10, time.Second, func() bool {
				return w.services["canary"].SelectedHash == "a" && w.services["stable"].SelectedHash == "a" &&
					(!routed || w.traffic() == carried{0, "a", "a"}) && w.rs["b"].Replicas == 0
			})
			if w.ro.Status.AbortedAt == nil || idx(w.ro.Status.CurrentStepIndex) != 0 {
				t.Fatalf("abort not recorded: %+v", w.ro.Status)
			}
		})
	}
}

func TestFailedAnalysisAbortsDuringManualPause(t *testing.T) {
	analysis := &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}
	t.Run("step analysis", func(t *testing.T) {
		w := healthyWorld(t, 4, canaryWithServices(weight(50), v1alpha1.CanaryStep{Analysis: analysis}, pauseForever()))
		w.deploy("b")
		w.runUntil("at the analysis step", 20, time.Second, func() bool { return idx(w.ro.Status.CurrentStepIndex) == 1 })
		w.ro.Spec.Paused = true
		w.tick(time.Second)
		w.stepAnalysis = v1alpha1.AnalysisPhaseFailed
		w.runUntil("aborted back to stable", 5, time.Second, func() bool { return w.ro.Status.Abort && w.rs["b"].Replicas == 0 })
	})
	t.Run("background analysis", func(t *testing.T) {
		c := canaryWithServices(weight(50), pauseForever())
		c.Analysis = &v1alpha1.RolloutAnalysisBackground{RolloutAnalysis: *analysis}
		w := healthyWorld(t, 4, c)
		w.deploy("b")
		w.runUntil("paused", 20, time.Second, w.paused)
		w.ro.Spec.Paused = true
		w.tick(time.Second)
		w.runUntilBackground(v1alpha1.AnalysisPhaseError)
	})
	t.Run("blue-green post-promotion analysis", func(t *testing.T) {
		bg := blueGreen(true)
		bg.PostPromotionAnalysis = analysis
		w := healthyBlueGreen(t, 2, bg)
		w.deploy("b")
		w.runUntil("active switched to b", 10, time.Second, func() bool { return w.services["active"].SelectedHash == "b" })
		w.ro.Spec.Paused = true
		w.postPromotion = v1alpha1.AnalysisPhaseFailed
		w.runUntil("active back on a", 5, time.Second, func() bool { return w.ro.Status.Abort && w.services["active"].SelectedHash == "a" })
	})
	t.Run("blue-green pre-promotion analysis", func(t *testing.T) {
		bg := blueGreen(false)
		bg.PrePromotionAnalysis = analysis
		w := healthyBlueGreen(t, 2, bg)
		w.deploy("b")
		w.runUntil("preview up", 10, time.Second, func() bool { return w.rs["b"].Available == 2 })
		w.ro.Spec.Paused = true
		w.prePromotion = v1alpha1.AnalysisPhaseError
		w.runUntil("aborted", 5, time.Second, func() bool { return w.ro.Status.Abort && w.services["preview"].SelectedHash == "a" })
	})
}

// runUntilBackground reports a background run phase and waits for the abort.
func (w *world) runUntilBackground(phase v1alpha1.AnalysisPhase) {
	w.t.Helper()
	w.backgroundAnalysis = phase
	w.runUntil("aborted back to stable", 5, time.Second, func() bool { return w.ro.Status.Abort && w.rs["b"].Replicas == 0 })
}

// At 0 replicas there is nothing to step through: a new template becomes stable
// at once, with the Services on it, and needs no further look.
func TestZeroReplicasNewTemplateBecomesStableAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		world func(t *testing.T) *world
	}{
		{"canary", func(t *testing.T) *world { return healthyWorld(t, 0, canaryWithServices(weight(50), pauseForever())) }},
		{"routed canary", func(t *testing.T) *world { return healthyWorld(t, 0, routedCanary(weight(50), pauseForever())) }},
		{"blue-green", func(t *testing.T) *world { return healthyBlueGreenAt(t, 0, blueGreen(false)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.world(t)
			w.deploy("b")
			p := w.tick(time.Second)
			if w.ro.Status.StableRS != "b" || p.RequeueAfter != 0 {
				t.Fatalf("at 0 replicas: stable %q, requeue %s (%s)", w.ro.Status.StableRS, p.RequeueAfter, w)
			}
			for role, svc := range w.services {
				if svc.SelectedHash != "b" {
					t.Errorf("%s Service selects %q, want b", role, svc.SelectedHash)
				}
			}
			two := int32(2)
			w.ro.Spec.Replicas = &two
			w.growingFromZero = true
			w.runUntil("b runs 2 pods", 5, time.Second, func() bool { return w.rs["b"].Available == 2 })
		})
	}
}

// healthyBlueGreenAt is healthyBlueGreen for any size, 0 included.
func healthyBlueGreenAt(t *testing.T, replicas int32, bg *v1alpha1.BlueGreenStrategy) *world {
	w := newBlueGreenWorld(t, replicas, bg)
	w.deploy("a")
	w.runUntil("first deploy stable", 10, time.Second, func() bool { return w.ro.Status.StableRS == "a" })
	return w
}

// One replica: a whole canary release, with the Services checked every tick.
func TestOneReplicaCanaryRelease(t *testing.T) {
	w := healthyWorld(t, 1, canaryWithServices(weight(50), pauseFor(1)))
	w.deploy("b")
	w.runUntil("b stable with a gone", 20, time.Second, func() bool {
		return w.ro.Status.StableRS == "b" && w.rs["a"].Replicas == 0 && w.rs["b"].Available == 1
	})
}

// TestWaitingForAnalysisIsNamed: while an analysis step's run is missing or
// running, the plan says so (its time does not count against the progress
// deadline); once the run is done, it does not.
func TestWaitingForAnalysisIsNamed(t *testing.T) {
	analysis := v1alpha1.CanaryStep{Analysis: &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}}
	w := healthyWorld(t, 4, canaryWithServices(weight(50), analysis, pauseForever()))
	w.deploy("b")
	w.runUntil("at the analysis step", 20, time.Second, func() bool { return idx(w.ro.Status.CurrentStepIndex) == 1 })
	for _, phase := range []v1alpha1.AnalysisPhase{"", v1alpha1.AnalysisPhasePending, v1alpha1.AnalysisPhaseRunning} {
		w.stepAnalysis = phase
		if p := w.tick(time.Minute); p.WaitingForAnalysis != "step analysis" {
			t.Fatalf("run %q: waiting for %q, want step analysis", phase, p.WaitingForAnalysis)
		}
	}
	w.stepAnalysis = v1alpha1.AnalysisPhaseSuccessful
	if p := w.tick(time.Second); p.WaitingForAnalysis != "" {
		t.Fatalf("after the run passed: waiting for %q", p.WaitingForAnalysis)
	}
}
