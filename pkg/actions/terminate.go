package actions

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TerminateRun stops an AnalysisRun early (spec.terminate): its running metrics
// end with what they measured. A run that has finished, or is already being
// terminated, has nothing to stop.
func TerminateRun(run *v1alpha1.AnalysisRun) (Change, error) {
	if phase := run.Status.Phase; phase.Completed() {
		return Change{}, nothingToDo("analysisrun %q has already finished (%s): nothing to terminate", run.Name, phase)
	}
	if run.Spec.Terminate {
		return Change{}, nothingToDo("analysisrun %q is already being terminated: nothing to terminate", run.Name)
	}
	return Change{
		Writes: []Write{{Merge: map[string]any{"terminate": true}}},
		Done:   fmt.Sprintf("analysisrun %q terminated", run.Name),
	}, nil
}
