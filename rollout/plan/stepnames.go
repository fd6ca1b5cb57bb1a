package plan

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Steps are numbered 1..N in spec order wherever a person reads them: events,
// pause messages and every command of the plugin. status.currentStepIndex
// counts completed steps (0-based), so the step in progress is number
// currentStepIndex+1.

// StepNumber is "k/N": the step at index (0-based, as status.currentStepIndex
// counts) as number k of n steps.
func StepNumber(index int32, n int) string { return fmt.Sprintf("%d/%d", index+1, n) }

// StepName is a step as people read it: "step 3/5 (setWeight 40)". index must
// be a step of steps.
func StepName(steps []v1alpha1.CanaryStep, index int32) string {
	return fmt.Sprintf("step %s (%s)", StepNumber(index, len(steps)), describeStep(steps[index]))
}
