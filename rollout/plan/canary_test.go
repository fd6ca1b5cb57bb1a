package plan

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// healthyWorld is a rollout deployed once and Healthy on hash "a".
func healthyWorld(t *testing.T, replicas int32, canary *v1alpha1.CanaryStrategy) *world {
	w := newWorld(t, replicas, canary)
	w.deploy("a")
	w.runUntil("first deploy is stable and full", 10, time.Second, func() bool {
		return w.ro.Status.StableRS == "a" && w.rs["a"].Available == replicas
	})
	return w
}

func TestFirstDeployGoesStraightToFullSize(t *testing.T) {
	w := newWorld(t, 5, canaryWithServices(weight(20), pauseForever()))
	w.deploy("a")
	p := w.tick(time.Second)
	if p.Replicas["ro-a"] != 5 || p.Status.StableRS != "a" || *p.Status.CurrentStepIndex != 2 {
		t.Fatalf("first deploy: replicas %v, stable %q, step %d", p.Replicas, p.Status.StableRS, *p.Status.CurrentStepIndex)
	}
	w.tick(time.Second)
	if w.services["stable"].SelectedHash != "a" || w.services["canary"].SelectedHash != "a" {
		t.Fatalf("Services not pointed at the first ReplicaSet once available: %s", w)
	}
}

// TestCanaryThroughAllSteps walks setWeight 20 → pause 10s → setWeight 50 → pause
// {} → promote with several surge settings and checks every tick against the
// safety rules (world.checkSafety).
func TestCanaryThroughAllSteps(t *testing.T) {
	bounds := []struct{ surge, unavailable intstr.IntOrString }{
		{intstr.FromString("25%"), intstr.FromString("25%")},
		{intstr.FromInt32(1), intstr.FromInt32(0)},
		{intstr.FromInt32(0), intstr.FromInt32(1)},
	}
	for _, b := range bounds {
		for _, replicas := range []int32{1, 3, 5, 10} {
			name := b.surge.String() + "/" + b.unavailable.String() + "/" + string(rune('0'+replicas%10))
			t.Run(name, func(t *testing.T) {
				c := canaryWithServices(weight(20), pauseFor(10), weight(50), pauseForever())
				c.MaxSurge, c.MaxUnavailable = &b.surge, &b.unavailable
				w := healthyWorld(t, replicas, c)
				w.deploy("b")

				w.runUntil("paused at step 2 (pause 10s)", 20, 100*time.Millisecond, func() bool { return w.paused() && idx(w.ro.Status.CurrentStepIndex) == 1 })
				wantCanary, _, _ := (&planner{in: w.input(), spec: &w.ro.Spec, canary: c}).weightSplit(20)
				if got := w.replicas("b"); got != wantCanary {
					t.Fatalf("at weight 20: canary %d, want %d (%s)", got, wantCanary, w)
				}
				// With one replica and no surge the stable pod must stay (its Service
				// may not select nothing), so there is no room for a canary pod.
				canaryHash := map[bool]string{true: "b", false: "a"}[wantCanary > 0]
				if w.services["canary"].SelectedHash != canaryHash || w.services["stable"].SelectedHash != "a" {
					t.Fatalf("services at weight 20: %s", w)
				}
				w.runUntil("the timed pause ends and the rollout stops at pause {}", 200, time.Second, func() bool {
					return w.paused() && idx(w.ro.Status.CurrentStepIndex) == 3
				})
				w.tick(time.Minute)
				if idx(w.ro.Status.CurrentStepIndex) != 3 {
					t.Fatalf("an indefinite pause ended by itself: %s", w)
				}
				w.promote()
				w.runUntil("promoted and stable on b", 50, time.Second, func() bool {
					return w.ro.Status.StableRS == "b" && w.rs["a"].Replicas == 0 && w.rs["b"].Available == replicas
				})
				if w.services["stable"].SelectedHash != "b" || w.services["canary"].SelectedHash != "b" {
					t.Fatalf("services after promotion: %s", w)
				}
				for _, want := range []string{"RolloutStepCompleted", "RolloutPaused", "RolloutResumed", "RolloutCompleted"} {
					if !slices.Contains(w.events, want) {
						t.Errorf("no %s event in %v", want, w.events)
					}
				}
			})
		}
	}
}

func TestTimedPauseRequeuesForItsEnd(t *testing.T) {
	w := healthyWorld(t, 2, canaryWithServices(weight(50), pauseFor(30)))
	w.deploy("b")
	var p Plan
	for i := 0; i < 10 && !w.paused(); i++ {
		p = w.tick(0)
	}
	if !w.paused() || p.RequeueAfter != 30*time.Second {
		t.Fatalf("want a pause with a 30s requeue, got paused=%v requeue=%s", w.paused(), p.RequeueAfter)
	}
	w.now = w.now.Add(12 * time.Second)
	if p = w.tick(0); p.RequeueAfter != 18*time.Second {
		t.Fatalf("12s into the pause: requeue %s, want 18s", p.RequeueAfter)
	}
}

func TestPromoteFullSkipsRemainingSteps(t *testing.T) {
	w := healthyWorld(t, 4, canaryWithServices(weight(25), pauseForever(), weight(50), pauseForever()))
	w.deploy("b")
	w.runUntil("paused at the first pause", 20, time.Second, w.paused)
	w.ro.Status.PromoteFull = true
	w.runUntil("stable on b", 30, time.Second, func() bool { return w.ro.Status.StableRS == "b" && w.rs["a"].Replicas == 0 })
	if w.ro.Status.PromoteFull || w.paused() {
		t.Fatalf("promoteFull or pause left behind: %+v", w.ro.Status)
	}
}

func TestAbortReturnsToStable(t *testing.T) {
	w := healthyWorld(t, 4, canaryWithServices(weight(50), pauseForever()))
	w.deploy("b")
	w.runUntil("paused at weight 50", 20, time.Second, w.paused)
	w.ro.Status.Abort = true
	w.runUntil("canary gone and stable full", 20, time.Second, func() bool {
		return w.rs["b"].Replicas == 0 && w.rs["a"].Available == 4
	})
	if w.services["canary"].SelectedHash != "a" || w.services["stable"].SelectedHash != "a" {
		t.Fatalf("services after abort: %s", w)
	}
	if w.ro.Status.AbortedAt == nil || idx(w.ro.Status.CurrentStepIndex) != 0 || w.paused() {
		t.Fatalf("abort status: %+v", w.ro.Status)
	}
	// Retry: abort cleared, the canary starts again from step 0.
	w.ro.Status.Abort = false
	w.runUntil("paused at weight 50 again", 20, time.Second, w.paused)
	if w.rs["b"].Replicas != 2 {
		t.Fatalf("retry did not bring the canary back: %s", w)
	}
	if w.ro.Status.AbortedAt != nil {
		t.Fatalf("abortedAt survived the retry: %+v", w.ro.Status)
	}
	// A second abort is an abort of its own: its own start and its own event.
	w.ro.Status.Abort = true
	p := w.tick(time.Second)
	if w.ro.Status.AbortedAt == nil || !slices.ContainsFunc(p.Events, func(e Event) bool { return e.Reason == "RolloutAborted" }) {
		t.Fatalf("second abort: abortedAt %v, events %+v", w.ro.Status.AbortedAt, p.Events)
	}
}

func TestNewImageAfterAbortStartsFreshCanary(t *testing.T) {
	w := healthyWorld(t, 4, canaryWithServices(weight(50), pauseForever()))
	w.deploy("b")
	w.runUntil("paused", 20, time.Second, w.paused)
	w.ro.Status.Abort = true
	w.runUntil("aborted", 20, time.Second, func() bool { return w.rs["b"].Replicas == 0 })
	w.deploy("c")
	w.runUntil("paused on c", 20, time.Second, func() bool { return w.paused() && w.rs["c"].Replicas == 2 })
	if w.ro.Status.Abort || w.ro.Status.AbortedAt != nil {
		t.Fatalf("abort survived a new template: %+v", w.ro.Status)
	}
}

func TestNewTemplateSupersedesRunningCanary(t *testing.T) {
	w := healthyWorld(t, 4, canaryWithServices(weight(50), pauseForever()))
	w.deploy("b")
	w.runUntil("paused on b", 20, time.Second, w.paused)
	w.deploy("c")
	w.runUntil("paused on c with b gone", 30, time.Second, func() bool {
		return w.paused() && w.rs["b"].Replicas == 0 && w.rs["c"].Replicas == 2
	})
	if w.rs["a"].Replicas != 2 || w.ro.Status.StableRS != "a" {
		t.Fatalf("stable disturbed by the superseding canary: %s", w)
	}
}

func TestSpecPausedHoldsEverything(t *testing.T) {
	w := healthyWorld(t, 4, canaryWithServices(weight(50), pauseForever()))
	w.ro.Spec.Paused = true
	w.deploy("b")
	for i := 0; i < 5; i++ {
		if p := w.tick(time.Second); len(p.Replicas) != 0 {
			t.Fatalf("scaled while paused: %v", p.Replicas)
		}
	}
}

func TestFastRollbackWithinWindowSkipsSteps(t *testing.T) {
	c := canaryWithServices(weight(50), pauseForever())
	w := healthyWorld(t, 4, c)
	w.ro.Spec.RollbackWindow = &v1alpha1.RollbackWindowSpec{Revisions: 2}
	w.deploy("b")
	w.runUntil("paused on b", 20, time.Second, w.paused)
	w.promote()
	w.runUntil("b stable", 30, time.Second, func() bool { return w.ro.Status.StableRS == "b" && w.rs["a"].Replicas == 0 })
	w.deploy("a") // undo
	w.runUntil("a stable again", 30, time.Second, func() bool { return w.ro.Status.StableRS == "a" && w.rs["b"].Replicas == 0 })
	if slices.Contains(w.events[len(w.events)-3:], "RolloutPaused") {
		t.Fatalf("fast rollback paused at a step: %v", w.events)
	}
}

func TestCanaryPodsNeverReadyKeepServicesOnStable(t *testing.T) {
	w := healthyWorld(t, 4, canaryWithServices(weight(50), pauseForever()))
	w.deploy("b")
	w.notReady["b"] = true
	for i := 0; i < 10; i++ {
		w.tick(time.Second)
		if w.services["canary"].SelectedHash != "a" || w.services["stable"].SelectedHash != "a" {
			t.Fatalf("a Service moved to pods that are not available: %s", w)
		}
	}
	if w.rs["a"].Available < 3 || idx(w.ro.Status.CurrentStepIndex) != 0 {
		t.Fatalf("the stable side lost capacity or the step advanced: %s", w)
	}
}

func TestAnalysisStepFollowsItsRun(t *testing.T) {
	analysis := v1alpha1.CanaryStep{Analysis: &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}}
	setup := func() *world {
		w := healthyWorld(t, 4, canaryWithServices(weight(50), analysis, pauseForever()))
		w.deploy("b")
		w.runUntil("at the analysis step", 20, time.Second, func() bool { return idx(w.ro.Status.CurrentStepIndex) == 1 })
		return w
	}
	t.Run("waits without a run", func(t *testing.T) {
		w := setup()
		w.tick(time.Minute)
		if idx(w.ro.Status.CurrentStepIndex) != 1 || w.paused() {
			t.Fatalf("step moved without a run: %s", w)
		}
	})
	t.Run("successful run completes the step", func(t *testing.T) {
		w := setup()
		w.stepAnalysis = v1alpha1.AnalysisPhaseSuccessful
		w.tick(time.Second)
		if idx(w.ro.Status.CurrentStepIndex) != 2 {
			t.Fatalf("step did not complete: %s", w)
		}
	})
	t.Run("failed run aborts", func(t *testing.T) {
		w := setup()
		w.stepAnalysis = v1alpha1.AnalysisPhaseFailed
		w.tick(time.Second)
		w.runUntil("aborted back to stable", 20, time.Second, func() bool { return w.rs["b"].Replicas == 0 })
		if !w.ro.Status.Abort {
			t.Fatalf("not aborted: %+v", w.ro.Status)
		}
	})
	t.Run("inconclusive run pauses until promoted", func(t *testing.T) {
		w := setup()
		w.stepAnalysis = v1alpha1.AnalysisPhaseInconclusive
		w.tick(time.Second)
		if !w.paused() || w.ro.Status.PauseConditions[0].Reason != v1alpha1.PauseReasonInconclusiveAnalysis {
			t.Fatalf("not paused for the inconclusive run: %+v", w.ro.Status.PauseConditions)
		}
		w.promote()
		w.tick(time.Second)
		if idx(w.ro.Status.CurrentStepIndex) < 2 {
			t.Fatalf("promote did not move past the inconclusive analysis: %s", w)
		}
	})
}

// TestStepWaitsForScaledDownPodsToGo: the ReplicaSet controller reports a
// scale-down (observedGeneration caught up) while still counting the pods it
// deletes; the step is reached only once they are gone.
func TestStepWaitsForScaledDownPodsToGo(t *testing.T) {
	p := &planner{replicas: map[string]int32{"ro-a": 0}}
	deleting := &ReplicaSet{Name: "ro-a", Replicas: 0, Pods: 1, Synced: true}
	if p.reached(deleting, 0) {
		t.Error("reached while a deleted pod is still counted")
	}
	deleting.Pods = 0
	if !p.reached(deleting, 0) {
		t.Error("not reached once the pods are gone")
	}
}

// TestTimedPauseCountsFromItsExactStart: the stored startTime is whole seconds;
// with the exact start known, a 1 s pause begun at .7 s lasts until 1.7 s.
func TestTimedPauseCountsFromItsExactStart(t *testing.T) {
	exact := time.Date(2026, 1, 1, 10, 0, 0, 700_000_000, time.UTC)
	paused := func(known map[v1alpha1.PauseReason]time.Time) *planner {
		return &planner{
			in: Input{Now: exact.Add(500 * time.Millisecond), ExactPauseStarts: known},
			status: &v1alpha1.RolloutStatus{ControllerPause: true, PauseConditions: []v1alpha1.PauseCondition{
				{Reason: v1alpha1.PauseReasonCanaryPauseStep, StartTime: metav1.NewTime(exact.Truncate(time.Second))}}},
		}
	}
	p := paused(map[v1alpha1.PauseReason]time.Time{v1alpha1.PauseReasonCanaryPauseStep: exact})
	if p.controllerPause(v1alpha1.PauseReasonCanaryPauseStep, "", time.Second, "") {
		t.Fatal("the pause ended 0.5 s after its exact start")
	}
	if p.plan.RequeueAfter != 500*time.Millisecond {
		t.Errorf("requeue after %v, want 500ms", p.plan.RequeueAfter)
	}
	if !paused(nil).controllerPause(v1alpha1.PauseReasonCanaryPauseStep, "", time.Second, "") {
		t.Error("without the exact start the stored one counts (after a restart)")
	}
	stale := map[v1alpha1.PauseReason]time.Time{v1alpha1.PauseReasonCanaryPauseStep: exact.Add(-time.Hour)}
	if !paused(stale).controllerPause(v1alpha1.PauseReasonCanaryPauseStep, "", time.Second, "") {
		t.Error("an exact start of another pause must not count")
	}
}
