package plan

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// judgeAnalysis records that the rollout needs an AnalysisRun and turns its phase
// (an analysis step, a blue-green pre- or post-promotion analysis) into a decision;
// it reports whether the rollout may go on:
//   - Successful: go on;
//   - Failed or Error: abort (which also sends traffic back to stable);
//   - Inconclusive: pause (reason InconclusiveAnalysisRun) until promoted,
//     which accepts the result (Plan.Accepted);
//   - no run yet, or still running: wait.
func (p *planner) judgeAnalysis(need AnalysisNeed, phase v1alpha1.AnalysisPhase, which string) bool {
	p.plan.Analyses = append(p.plan.Analyses, need)
	switch phase {
	case v1alpha1.AnalysisPhaseSuccessful:
		return true
	case v1alpha1.AnalysisPhaseFailed, v1alpha1.AnalysisPhaseError:
		p.abortFor(which, phase)
	case v1alpha1.AnalysisPhaseInconclusive:
		if !p.controllerPause(v1alpha1.PauseReasonInconclusiveAnalysis,
			fmt.Sprintf("Rollout paused: %s analysis is Inconclusive", which), 0, "") {
			return false
		}
		// Promoted: the person accepted the result. A background run is
		// replaced by a fresh one (it watches until promotion); any other is
		// taken as passed, so it neither pauses again nor runs a second time.
		if need.Kind != v1alpha1.AnalysisKindBackground {
			p.plan.Accepted = append(p.plan.Accepted, need.Kind)
		}
		return true
	default: // no run yet, Pending or Running
		p.plan.WaitingForAnalysis = which + " analysis"
	}
	return false
}

// backgroundAnalysis runs the canary's background analysis from its starting
// step until promotion and reports whether the rollout may go on: a background
// run never holds a step, but Failed or Error abort and Inconclusive pauses, as
// for any analysis.
func (p *planner) backgroundAnalysis() bool {
	bg := p.canary.Analysis
	if bg == nil || p.stepIndex() < ptrOr(bg.StartingStep, 0) {
		return true
	}
	need := AnalysisNeed{Kind: v1alpha1.AnalysisKindBackground}
	switch phase := p.in.BackgroundAnalysis; phase {
	case v1alpha1.AnalysisPhaseFailed, v1alpha1.AnalysisPhaseError, v1alpha1.AnalysisPhaseInconclusive:
		return p.judgeAnalysis(need, phase, "background")
	}
	p.plan.Analyses = append(p.plan.Analyses, need)
	return true
}

// stepAnalysisPhase is the phase of the run of the analysis step at index. The
// controller reports the run of the step the rollout was at when the reconcile
// began; a step reached within this reconcile has no run yet.
func (p *planner) stepAnalysisPhase(index int32) v1alpha1.AnalysisPhase {
	if index != ptrOr(p.in.Rollout.Status.CurrentStepIndex, 0) || p.in.Rollout.Status.CurrentPodHash != p.in.New.Hash {
		return ""
	}
	return p.in.StepAnalysis
}

// abortFor records an abort because an analysis ended Failed or Error. Its
// message (the RolloutAborted event, the Progressing condition and so the
// Rollout's status message) carries the run's cause when there is one.
func (p *planner) abortFor(which string, phase v1alpha1.AnalysisPhase) {
	p.status.Abort = true
	now := metav1.NewTime(p.in.Now)
	p.status.AbortedAt = &now
	message := fmt.Sprintf("Rollout aborted: %s analysis is %s", which, phase)
	if cause := p.in.AnalysisCauses[analysisKindOf[which]]; cause != "" {
		message += ": " + cause
	}
	p.event(true, "RolloutAborted", message)
}

// analysisKindOf is the kind of run behind each analysis the planner names.
var analysisKindOf = map[string]v1alpha1.AnalysisKind{
	"step":           v1alpha1.AnalysisKindStep,
	"background":     v1alpha1.AnalysisKindBackground,
	"pre-promotion":  v1alpha1.AnalysisKindPrePromotion,
	"post-promotion": v1alpha1.AnalysisKindPostPromotion,
}

// failedAnalysis names the analysis the rollout depends on now that ended
// Failed or Error ("" when none did): the current analysis step's, the
// background one's, or a blue-green pre- or post-promotion one's. It is asked
// while the user pause holds everything else, since those still abort.
func (p *planner) failedAnalysis() (which string, phase v1alpha1.AnalysisPhase) {
	type judged struct {
		which string
		phase v1alpha1.AnalysisPhase
	}
	var now []judged
	if p.canary != nil {
		index := p.stepIndex()
		if int(index) < len(p.canary.Steps) && p.canary.Steps[index].Analysis != nil {
			now = append(now, judged{"step", p.stepAnalysisPhase(index)})
		}
		if bg := p.canary.Analysis; bg != nil && index >= ptrOr(bg.StartingStep, 0) {
			now = append(now, judged{"background", p.in.BackgroundAnalysis})
		}
	} else {
		now = append(now, judged{"pre-promotion", p.in.PrePromotionAnalysis}, judged{"post-promotion", p.in.PostPromotionAnalysis})
	}
	for _, j := range now {
		if j.phase == v1alpha1.AnalysisPhaseFailed || j.phase == v1alpha1.AnalysisPhaseError {
			return j.which, j.phase
		}
	}
	return "", ""
}
