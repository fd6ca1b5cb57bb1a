package view

import (
	"testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

func TestRoleNamesTheBaseline(t *testing.T) {
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{}}},
		Status: v1alpha1.RolloutStatus{StableRS: "a", CurrentPodHash: "b"}}
	for hash, want := range map[string]string{"a": "stable", "b": "canary", plan.BaselineHash("a", "b"): "baseline",
		plan.BaselineHash("a", "old"): "", "z": ""} {
		if got := Role(ro, hash); got != want {
			t.Errorf("Role(%q) = %q, want %q", hash, got, want)
		}
	}
}
