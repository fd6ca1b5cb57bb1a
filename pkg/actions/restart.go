package actions

import (
	"fmt"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Restart returns the decision that restarts a rollout's pods at a time
// (spec.restartAt): the controller evicts every pod created before it, a few at
// a time. at is a RestartTime.
func Restart(at time.Time) Decision {
	return func(ro *v1alpha1.Rollout) (Change, error) {
		stamp := at.UTC().Format(time.RFC3339)
		if ro.Spec.Replicas != nil && *ro.Spec.Replicas == 0 {
			return Change{}, nothingToDo("rollout %q runs no pods: nothing to restart", ro.Name)
		}
		if r := ro.Spec.RestartAt; r != nil && r.Time.Equal(at) {
			return Change{}, nothingToDo("rollout %q already restarts at %s: nothing to change", ro.Name, stamp)
		}
		return Change{
			Writes: []Write{{Merge: map[string]any{"restartAt": stamp}}},
			Done:   fmt.Sprintf("rollout %q restarts at %s", ro.Name, stamp),
		}, nil
	}
}

// RestartTime is now+in as spec.restartAt holds it: whole seconds, rounded up.
// The controller restarts pods created before restartAt, and a pod's
// creationTimestamp is whole seconds too (truncated): rounding down would spare
// a pod created earlier in the same second as the command.
func RestartTime(now time.Time, in time.Duration) time.Time {
	at := now.Add(in).UTC()
	if whole := at.Truncate(time.Second); whole.Before(at) {
		at = whole.Add(time.Second)
	}
	return at
}
