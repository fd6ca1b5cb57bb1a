package actions

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// Retry starts an aborted update over (status.abort=false): from the first
// step, with fresh AnalysisRuns. A promote-full asked for while it was aborted
// is cleared with it, so the retry runs every step and analysis.
func Retry(ro *v1alpha1.Rollout) (Change, error) {
	if !ro.Status.Abort {
		if retryPending(ro) {
			return Change{}, nothingToDo("rollout %q is already being retried: nothing to retry", ro.Name)
		}
		return Change{}, nothingToDo("rollout %q is not aborted: nothing to retry", ro.Name)
	}
	done := fmt.Sprintf("rollout %q retried: the update starts over", ro.Name)
	if s := steps(ro); len(s) > 0 {
		done += " at " + plan.StepName(s, 0)
	}
	return Change{
		Writes: []Write{{Status: true, Merge: map[string]any{"abort": false, "promoteFull": false}}},
		Done:   done,
	}, nil
}
