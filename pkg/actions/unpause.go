package actions

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// verbs are the words of an action in its messages.
type verbs struct{ name, past, gerund string }

var (
	promoteVerbs = verbs{"promote", "promoted", "promoting"}
	resumeVerbs  = verbs{"resume", "resumed", "resuming"}
)

// endPause ends every pause of a paused rollout and nothing more: its pause
// conditions (a pause step, an inconclusive analysis, a blue-green pause) and
// its manual pause. A manual pause in the middle of a step lets that step go on;
// skipping it too would do two things at once.
//
// The pause conditions are cleared first: while spec.paused still holds the
// controller it has no reason to write in between. Each write is pinned to the
// pause read (see Change.lost): after a conflict, a pause that is not the one
// read (ended, or a later one) or a manual pause someone else ended is left
// alone.
func endPause(ro *v1alpha1.Rollout, v verbs) Change {
	var c Change
	if read := ro.Status.PauseConditions; len(read) > 0 {
		c.Writes = append(c.Writes, Write{
			Status: true,
			Merge:  map[string]any{"pauseConditions": nil},
			still: func(fresh *v1alpha1.Rollout) bool {
				return equality.Semantic.DeepEqual(read, fresh.Status.PauseConditions)
			},
		})
	}
	if ro.Spec.Paused {
		c.Writes = append(c.Writes, Write{
			Merge: map[string]any{"paused": false},
			still: func(fresh *v1alpha1.Rollout) bool { return fresh.Spec.Paused },
		})
	}
	past := v.past
	if len(ro.Status.PauseConditions) == 0 {
		past = resumeVerbs.past // only a manual pause: nothing is promoted
	}
	c.Done = fmt.Sprintf("rollout %q %s%s", ro.Name, past, pauseEndText(ro))
	c.lost = func(*v1alpha1.Rollout) error {
		return fmt.Errorf("rollout %q changed its pause while %s; %s did nothing, run it again to %s from where it is now",
			ro.Name, v.gerund, v.name, v.name)
	}
	return c
}

// pauseEndText says what ending the rollout's pauses does: the step the
// controller held at completes, an inconclusive result is accepted, a
// blue-green rollout goes on to its switch, or a manually paused step goes on.
func pauseEndText(ro *v1alpha1.Rollout) string {
	if ro.Status.Abort {
		return "; it stays aborted until retried"
	}
	step, ok := currentStep(ro)
	if ok && (step.Pause != nil && hasPause(ro, v1alpha1.PauseReasonCanaryPauseStep) ||
		step.Analysis != nil && hasPause(ro, v1alpha1.PauseReasonInconclusiveAnalysis)) {
		return pastStep(ro)
	}
	where, inStep := stepInProgress(ro)
	switch {
	case hasPause(ro, v1alpha1.PauseReasonInconclusiveAnalysis) && inStep:
		return ": the inconclusive analysis is accepted; still at " + where
	case hasPause(ro, v1alpha1.PauseReasonInconclusiveAnalysis):
		return ": the inconclusive analysis is accepted"
	case hasPause(ro, v1alpha1.PauseReasonBlueGreenPause):
		return ": the new version goes active"
	case inStep:
		return " at " + where
	}
	return ""
}
