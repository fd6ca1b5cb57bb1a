package triggers

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The rollout controller creates a step's run before it writes the status
// that completes the steps before it (seen end to end: the run's running
// notification arrived before step 1's). The run's events wait for the
// status.
func TestAStepRunWaitsForTheStatusToReachItsStep(t *testing.T) {
	ahead := run("web-h2-2-2", "2", v1alpha1.AnalysisPhaseRunning, 70, 0) // the run of step index 2
	running := uid + "/rev-2/on-analysis-run-running/web-h2-2-2"
	tests := []struct {
		name string
		in   Input
		want []string
	}{
		{name: "status still at step index 1", in: input(updating(1), ahead), want: []string{
			uid + "/rev-2/on-rollout-updated", uid + "/rev-2/on-rollout-step-completed/step-1"}},
		{name: "status at the run's step", in: input(updating(2), ahead), want: []string{
			uid + "/rev-2/on-rollout-updated", uid + "/rev-2/on-rollout-step-completed/step-1",
			uid + "/rev-2/on-rollout-step-completed/step-2", running}},
		{name: "aborted: the index went back to 0, the run still counts", in: input(abortedWith(updating(2), 80, "Rollout aborted"), ahead), want: []string{
			uid + "/rev-2/on-rollout-updated", running, uid + "/rev-2/on-rollout-aborted/2026-12-03T15:01:20Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, keys(Events(tc.in))); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}
