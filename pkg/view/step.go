package view

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// Step is the canary step in progress as "k/N", numbered from 1 in spec order
// as events and `plan` number them (status.currentStepIndex+1), or "N/N
// complete" once every step has completed. ok is false for a rollout without
// canary steps.
func Step(ro *v1alpha1.Rollout) (text string, ok bool) {
	c := ro.Spec.Strategy.Canary
	if c == nil || len(c.Steps) == 0 {
		return "", false
	}
	n := len(c.Steps)
	if index := stepIndex(ro); int(index) < n {
		return plan.StepNumber(index, n), true
	}
	return fmt.Sprintf("%d/%d complete", n, n), true
}
