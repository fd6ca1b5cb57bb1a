package actions

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Pause holds a rollout (spec.paused): no scaling and no step progress until it
// is resumed. An abort still acts.
func Pause(ro *v1alpha1.Rollout) (Change, error) {
	if ro.Spec.Paused {
		return Change{}, nothingToDo("rollout %q is already paused: nothing to pause", ro.Name)
	}
	done := fmt.Sprintf("rollout %q paused", ro.Name)
	if where, ok := stepInProgress(ro); ok && !ro.Status.Abort {
		done += " at " + where
	}
	return Change{
		Writes: []Write{{Merge: map[string]any{"paused": true}}},
		Done:   done,
	}, nil
}
