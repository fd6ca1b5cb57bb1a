package view

import (
	"testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Step numbers the step in progress from 1, as the controller's events and
// `plan` do; status.currentStepIndex (completed steps) is one less.
func TestStepNumbersFromOne(t *testing.T) {
	five := make([]v1alpha1.CanaryStep, 5)
	index := func(i int32) *int32 { return &i }
	for _, tc := range []struct {
		name   string
		steps  []v1alpha1.CanaryStep
		index  *int32
		want   string
		wantOK bool
	}{
		{"status not written yet", five, nil, "1/5", true},
		{"first step in progress", five, index(0), "1/5", true},
		{"third step in progress", five, index(2), "3/5", true},
		{"last step in progress", five, index(4), "5/5", true},
		{"every step completed", five, index(5), "5/5 complete", true},
		{"no steps", nil, index(0), "", false},
	} {
		ro := &v1alpha1.Rollout{}
		ro.Spec.Strategy.Canary = &v1alpha1.CanaryStrategy{Steps: tc.steps}
		ro.Status.CurrentStepIndex = tc.index
		if got, ok := Step(ro); got != tc.want || ok != tc.wantOK {
			t.Errorf("%s: Step = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
	bg := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{}}}}
	if _, ok := Step(bg); ok {
		t.Error("blue-green has no step to show")
	}
}
