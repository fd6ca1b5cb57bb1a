package plan

import (
	"slices"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Each pause reason is tracked on its own: an Inconclusive result always
// pauses, whatever other pause is on, and a promote answers the pauses it
// cleared — no more, no fewer.

func pauseReasons(w *world) []v1alpha1.PauseReason {
	var out []v1alpha1.PauseReason
	for _, c := range w.ro.Status.PauseConditions {
		out = append(out, c.Reason)
	}
	slices.Sort(out)
	return out
}

func TestInconclusiveBackgroundDuringPauseStep(t *testing.T) {
	c := canaryWithServices(weight(50), pauseFor(600), weight(80), pauseForever())
	c.Analysis = &v1alpha1.RolloutAnalysisBackground{RolloutAnalysis: v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}}
	w := healthyWorld(t, 4, c)
	w.deploy("b")
	w.backgroundAnalysis = v1alpha1.AnalysisPhaseRunning
	w.runUntil("at the timed pause step", 20, time.Second, w.paused)
	events, started := len(w.events), w.pauseConditionStart(v1alpha1.PauseReasonCanaryPauseStep)
	w.backgroundAnalysis = v1alpha1.AnalysisPhaseInconclusive
	w.tick(time.Second)
	w.tick(time.Second)
	want := []v1alpha1.PauseReason{v1alpha1.PauseReasonCanaryPauseStep, v1alpha1.PauseReasonInconclusiveAnalysis}
	if got := pauseReasons(w); !slices.Equal(got, want) {
		t.Fatalf("pause reasons %v, want %v (%s)", got, want, w)
	}
	if got := w.pauseConditionStart(v1alpha1.PauseReasonCanaryPauseStep); !got.Equal(started) {
		t.Fatalf("the timed pause restarted at %s (began %s)", got, started)
	}
	if slices.Contains(w.events[events:], "RolloutResumed") {
		t.Fatalf("resumed when the background run ended Inconclusive: %v", w.events[events:])
	}
	// One promote clears both pauses and answers both: the step completes.
	w.promote()
	w.backgroundAnalysis = v1alpha1.AnalysisPhaseRunning // a fresh background run
	w.runUntil("at the last pause", 10, time.Second, func() bool { return idx(w.ro.Status.CurrentStepIndex) == 3 && w.paused() })
}

func (w *world) pauseConditionStart(reason v1alpha1.PauseReason) time.Time {
	for _, c := range w.ro.Status.PauseConditions {
		if c.Reason == reason {
			return c.StartTime.Time
		}
	}
	w.t.Fatalf("no %s pause (%s)", reason, w)
	return time.Time{}
}

// TestBlueGreenInconclusivePrePromotionThenPromotionPause: an Inconclusive
// pre-promotion run pauses; one promote accepts it (it is not run again), the
// promotion pause follows, and one more promote switches: two pauses, two
// promotes.
func TestBlueGreenInconclusivePrePromotionThenPromotionPause(t *testing.T) {
	bg := blueGreen(false)
	bg.PrePromotionAnalysis = &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}
	w := healthyBlueGreen(t, 2, bg)
	w.deploy("b")
	w.prePromotion = v1alpha1.AnalysisPhaseInconclusive
	w.runUntil("paused for the Inconclusive run", 10, time.Second, w.paused)
	if got := pauseReasons(w); !slices.Equal(got, []v1alpha1.PauseReason{v1alpha1.PauseReasonInconclusiveAnalysis}) {
		t.Fatalf("pause reasons %v", got)
	}
	w.promote()
	for range 5 {
		w.tick(time.Second)
		if w.rerunPrePromotion {
			t.Fatalf("the accepted pre-promotion run was replaced by a fresh one (%s)", w)
		}
	}
	if got := pauseReasons(w); !slices.Equal(got, []v1alpha1.PauseReason{v1alpha1.PauseReasonBlueGreenPause}) {
		t.Fatalf("after the first promote: pause reasons %v, want the promotion pause alone", got)
	}
	w.promote()
	w.runUntil("b active", 10, time.Second, func() bool { return w.ro.Status.StableRS == "b" })
}
