package plan

import (
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// abortMessage is the message of a plan's RolloutAborted event, or "".
func abortMessage(p Plan) string {
	for _, e := range p.Events {
		if e.Reason == "RolloutAborted" {
			return e.Message
		}
	}
	return ""
}

// TestAbortCarriesTheRunsCause: whichever way an analysis aborts the rollout
// (its step judged, or a failed run seen while a person holds the rollout
// paused, or a blue-green pre-promotion run), the abort names the run's cause.
func TestAbortCarriesTheRunsCause(t *testing.T) {
	const cause = `metric "error-rate": query returned no data`
	analysis := v1alpha1.CanaryStep{Analysis: &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}}
	for _, userPaused := range []bool{false, true} {
		w := healthyWorld(t, 4, canaryWithServices(weight(50), analysis, pauseForever()))
		w.deploy("b")
		w.runUntil("at the analysis step", 20, time.Second, func() bool { return idx(w.ro.Status.CurrentStepIndex) == 1 })
		w.ro.Spec.Paused = userPaused
		w.stepAnalysis = v1alpha1.AnalysisPhaseError
		in := w.input()
		in.AnalysisCauses = map[v1alpha1.AnalysisKind]string{v1alpha1.AnalysisKindStep: cause}
		if got, want := abortMessage(Canary(in)), "Rollout aborted: step analysis is Error: "+cause; got != want {
			t.Errorf("paused by a person %v: abort says %q, want %q", userPaused, got, want)
		}
	}

	bg := blueGreen(true)
	bg.PrePromotionAnalysis = &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}
	w := healthyBlueGreen(t, 3, bg)
	w.deploy("b")
	w.prePromotion = v1alpha1.AnalysisPhaseRunning
	w.runUntil("the preview is up for its analysis", 20, time.Second, func() bool { return w.rs["b"].Available == 3 })
	w.prePromotion = v1alpha1.AnalysisPhaseFailed
	in := w.input()
	in.AnalysisCauses = map[v1alpha1.AnalysisKind]string{v1alpha1.AnalysisKindPrePromotion: cause}
	if got, want := abortMessage(BlueGreen(in)), "Rollout aborted: pre-promotion analysis is Failed: "+cause; got != want {
		t.Errorf("blue-green: abort says %q, want %q", got, want)
	}
}
