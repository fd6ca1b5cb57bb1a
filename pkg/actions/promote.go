package actions

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// Promote moves a rollout on by one thing (SPEC §2.5). A paused rollout has its
// pauses ended and no step skipped (see endPause). One that is not paused has
// its current canary step skipped (a running analysis, a setWeight waiting for
// pods). An aborted rollout is refused: only a retry starts it again, from the
// first step with fresh analysis.
func Promote(ro *v1alpha1.Rollout) (Change, error) {
	if err := refuseUnlessRunning(ro, "promote"); err != nil {
		return Change{}, err
	}
	if paused(ro) {
		return endPause(ro, promoteVerbs), nil
	}
	if ro.Status.PromoteFull {
		return Change{}, nothingToDo("rollout %q is already being promoted fully: nothing to promote", ro.Name)
	}
	if !specObserved(ro) {
		// The step index belongs to a spec the controller has since been given a
		// newer version of; skipping from it would skip the wrong step.
		return Change{}, notObserved(ro, "promote")
	}
	if fullyPromoted(ro) {
		return Change{}, nothingToDo("rollout %q is fully promoted: nothing to promote", ro.Name)
	}
	if ro.Spec.Strategy.Canary == nil {
		return Change{}, nothingToDo("rollout %q is not paused: nothing to promote (promote --full makes the new version active now, skipping its analysis)", ro.Name)
	}
	if _, ok := currentStep(ro); !ok {
		return Change{}, nothingToDo("rollout %q has completed every step and is finishing its promotion: nothing to promote", ro.Name)
	}
	return skipStep(ro), nil
}

// skipStep completes the current canary step by moving status.currentStepIndex
// past it. The write is pinned to that step of that spec: after a conflict
// (another promote, the controller completing the step) it is made only if the
// rollout is still at it, so two promotes racing never skip two steps.
func skipStep(ro *v1alpha1.Rollout) Change {
	index, generation := stepIndex(ro), ro.Generation
	left := plan.StepNumber(index, len(steps(ro)))
	return Change{
		Writes: []Write{{
			Status: true,
			Merge:  map[string]any{"currentStepIndex": index + 1},
			still: func(fresh *v1alpha1.Rollout) bool {
				return fresh.Generation == generation && stepIndex(fresh) == index
			},
		}},
		Done: fmt.Sprintf("rollout %q promoted%s", ro.Name, pastStep(ro)),
		lost: func(*v1alpha1.Rollout) error {
			return fmt.Errorf("rollout %q left step %s while promoting; promote did nothing, run it again to promote from where it is now", ro.Name, left)
		},
	}
}

// PromoteFull asks the controller to skip every remaining step and analysis
// and go to 100% now (status.promoteFull). A manual pause would hold that, so
// it ends too.
func PromoteFull(ro *v1alpha1.Rollout) (Change, error) {
	if err := refuseUnlessRunning(ro, "promote"); err != nil {
		return Change{}, err
	}
	if ro.Status.PromoteFull {
		return Change{}, nothingToDo("rollout %q is already being promoted fully: nothing to promote", ro.Name)
	}
	if !specObserved(ro) {
		// The controller forgets a promote-full with the update it was asked
		// for; asked before it has seen a new template, it would be lost.
		return Change{}, notObserved(ro, "promote")
	}
	if fullyPromoted(ro) {
		return Change{}, nothingToDo("rollout %q is fully promoted: nothing to promote", ro.Name)
	}
	c := Change{
		Writes: []Write{{
			Status: true,
			Merge:  map[string]any{"promoteFull": true},
		}},
		Done: fmt.Sprintf("rollout %q promoted fully: the remaining steps and analysis are skipped", ro.Name),
	}
	if ro.Spec.Paused {
		c.Writes = append(c.Writes, Write{
			Merge: map[string]any{"paused": false},
			still: func(fresh *v1alpha1.Rollout) bool { return fresh.Spec.Paused },
		})
		c.Done += "; the manual pause ended"
	}
	return c, nil
}

// refuseUnlessRunning refuses an action that moves an update on while the
// rollout is aborted, or retried and not yet started over by the controller.
func refuseUnlessRunning(ro *v1alpha1.Rollout, action string) error {
	if ro.Status.Abort {
		return refused("rollout %q is aborted: %s does not go on with an aborted update; 'kubectl sluice retry %s' starts it again from the first step with fresh analysis",
			ro.Name, action, ro.Name)
	}
	if retryPending(ro) {
		return refused("rollout %q is being retried and the controller has not started it over yet; %s again in a moment", ro.Name, action)
	}
	return nil
}

// notObserved refuses an action that would act on a status computed from an
// older spec.
func notObserved(ro *v1alpha1.Rollout, action string) error {
	return refused("rollout %q has a spec change the controller has not processed yet; %s again in a moment", ro.Name, action)
}
