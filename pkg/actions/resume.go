package actions

import (
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Resume ends every pause of a rollout: a manual pause and the pause conditions
// (a pause step, an inconclusive analysis, a blue-green pause), as a promote of
// a paused rollout does; it never skips a step.
func Resume(ro *v1alpha1.Rollout) (Change, error) {
	if !paused(ro) {
		return Change{}, nothingToDo("rollout %q is not paused: nothing to resume", ro.Name)
	}
	return endPause(ro, resumeVerbs), nil
}
