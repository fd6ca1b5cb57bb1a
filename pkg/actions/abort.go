package actions

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Abort sends an update back to the stable version (status.abort): traffic and
// Services return to the stable ReplicaSet and the new one is scaled down.
func Abort(ro *v1alpha1.Rollout) (Change, error) {
	if ro.Status.Abort {
		return Change{}, nothingToDo("rollout %q is already aborted: nothing to abort", ro.Name)
	}
	if !specObserved(ro) {
		// The controller drops an abort when it takes up a new template; one
		// written before it has seen the latest spec could vanish.
		return Change{}, notObserved(ro, "abort")
	}
	if !updateInProgress(ro) {
		return Change{}, nothingToDo("rollout %q has no update in progress: nothing to abort", ro.Name)
	}
	return Change{
		Writes: []Write{{Status: true, Merge: map[string]any{"abort": true}}},
		Done:   fmt.Sprintf("rollout %q aborted", ro.Name),
	}, nil
}
