package actions

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// What the actions need to know of a rollout's state, read from its status.

// specObserved reports whether the status was computed from the current spec.
// Until it is, the status describes an older spec: a step index, a stable
// ReplicaSet or an abort may no longer mean what they say.
func specObserved(ro *v1alpha1.Rollout) bool {
	return ro.Status.ObservedGeneration == ro.Generation
}

// updateInProgress reports whether the controller is moving the rollout to a
// template other than the stable one.
func updateInProgress(ro *v1alpha1.Rollout) bool {
	st := ro.Status
	return st.CurrentPodHash != "" && st.StableRS != "" && st.StableRS != st.CurrentPodHash
}

// fullyPromoted reports whether the current template is the stable one.
func fullyPromoted(ro *v1alpha1.Rollout) bool {
	st := ro.Status
	return st.CurrentPodHash != "" && st.StableRS == st.CurrentPodHash
}

// retryPending reports whether a retry cleared the abort and the controller has
// not started the update over yet: it clears status.abortedAt when it does.
func retryPending(ro *v1alpha1.Rollout) bool {
	return !ro.Status.Abort && ro.Status.AbortedAt != nil
}

// paused reports whether anything holds the rollout: a manual pause or a pause
// condition.
func paused(ro *v1alpha1.Rollout) bool {
	return ro.Spec.Paused || len(ro.Status.PauseConditions) > 0
}

// hasPause reports whether the rollout has a pause condition for reason.
func hasPause(ro *v1alpha1.Rollout, reason v1alpha1.PauseReason) bool {
	for _, c := range ro.Status.PauseConditions {
		if c.Reason == reason {
			return true
		}
	}
	return false
}

// steps are the canary steps (none for blue-green).
func steps(ro *v1alpha1.Rollout) []v1alpha1.CanaryStep {
	if c := ro.Spec.Strategy.Canary; c != nil {
		return c.Steps
	}
	return nil
}

// stepIndex is status.currentStepIndex, 0 when unset.
func stepIndex(ro *v1alpha1.Rollout) int32 {
	if ro.Status.CurrentStepIndex == nil {
		return 0
	}
	return *ro.Status.CurrentStepIndex
}

// currentStep is the canary step in progress; ok is false when there is none
// (blue-green, no steps, every step completed).
func currentStep(ro *v1alpha1.Rollout) (step v1alpha1.CanaryStep, ok bool) {
	s, i := steps(ro), stepIndex(ro)
	if int(i) >= len(s) {
		return v1alpha1.CanaryStep{}, false
	}
	return s[i], true
}

// stepInProgress names the canary step in progress ("step 3/5 (setWeight
// 40)"); ok is false when there is none.
func stepInProgress(ro *v1alpha1.Rollout) (name string, ok bool) {
	if _, ok := currentStep(ro); !ok {
		return "", false
	}
	return plan.StepName(steps(ro), stepIndex(ro)), true
}

// pastStep is what completing the current step leads to: " past step k/N
// (action); now at step k+1/N (action)", or "; all N steps complete" after
// the last.
func pastStep(ro *v1alpha1.Rollout) string {
	s, i := steps(ro), stepIndex(ro)
	text := " past " + plan.StepName(s, i)
	if next := i + 1; int(next) < len(s) {
		return text + "; now at " + plan.StepName(s, next)
	}
	return text + fmt.Sprintf("; all %d steps complete", len(s))
}
