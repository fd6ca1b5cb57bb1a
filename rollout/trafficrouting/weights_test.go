package trafficrouting

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func TestCheckWeights(t *testing.T) {
	tests := []struct {
		canary, baseline int32
		want             string // "" for accepted
	}{
		{0, 0, ""},
		{100, 0, ""},
		{50, 50, ""},
		{30, 30, ""},
		{60, 50, "the stable's is outside 0..100"},
		{-1, 0, "the canary's is outside 0..100"},
		{10, -1, "the baseline's is outside 0..100"},
		{101, 0, "the canary's is outside 0..100"},
	}
	for _, tt := range tests {
		err := CheckWeights(State{CanaryWeight: tt.canary, BaselineWeight: tt.baseline})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("canary %d, baseline %d: %v", tt.canary, tt.baseline, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("canary %d, baseline %d: %v, want it to say %q", tt.canary, tt.baseline, err, tt.want)
		}
	}
}

func TestAcceptedWeightsRecordTheBaseline(t *testing.T) {
	c := &v1alpha1.CanaryStrategy{StableService: "web-stable", CanaryService: "web-canary", BaselineService: "web-baseline"}
	yes := true
	tests := []struct {
		name    string
		state   State
		want    *v1alpha1.TrafficWeights
		message string
	}{
		{"with a baseline share", State{CanaryWeight: 20, BaselineWeight: 20, StableHash: "s", CanaryHash: "c", BaselineHash: "b"},
			&v1alpha1.TrafficWeights{
				Canary:   v1alpha1.WeightDestination{Weight: 20, ServiceName: "web-canary", PodTemplateHash: "c"},
				Stable:   v1alpha1.WeightDestination{Weight: 60, ServiceName: "web-stable", PodTemplateHash: "s"},
				Baseline: &v1alpha1.WeightDestination{Weight: 20, ServiceName: "web-baseline", PodTemplateHash: "b"},
				Verified: &yes,
			}, "Traffic weight updated: canary 20%, baseline 20%, stable 60%"},
		{"without one", State{CanaryWeight: 20, StableHash: "s", CanaryHash: "c"},
			&v1alpha1.TrafficWeights{
				Canary:   v1alpha1.WeightDestination{Weight: 20, ServiceName: "web-canary", PodTemplateHash: "c"},
				Stable:   v1alpha1.WeightDestination{Weight: 80, ServiceName: "web-stable", PodTemplateHash: "s"},
				Verified: &yes,
			}, "Traffic weight updated: canary 20%, stable 80%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AcceptedWeights(tt.state, c)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("weights (-want +got):\n%s", diff)
			}
			if msg := WeightsMessage(got); msg != tt.message {
				t.Errorf("message %q, want %q", msg, tt.message)
			}
		})
	}
}

func TestWeightsChanged(t *testing.T) {
	c := &v1alpha1.CanaryStrategy{StableService: "web-stable", CanaryService: "web-canary", BaselineService: "web-baseline"}
	at := func(w, b int32) *v1alpha1.TrafficWeights {
		return AcceptedWeights(State{CanaryWeight: w, BaselineWeight: b}, c)
	}
	tests := []struct {
		name     string
		recorded *v1alpha1.TrafficWeights
		accepted *v1alpha1.TrafficWeights
		want     bool
	}{
		{"nothing recorded yet", nil, at(0, 0), true},
		{"the same", at(20, 20), at(20, 20), false},
		{"the canary moved", at(20, 20), at(30, 30), true},
		{"the baseline joined at the canary's weight", at(20, 0), at(20, 20), true},
		{"the baseline left", at(20, 20), at(20, 0), true},
	}
	for _, tt := range tests {
		if got := WeightsChanged(tt.recorded, tt.accepted); got != tt.want {
			t.Errorf("%s: WeightsChanged = %v, want %v", tt.name, got, tt.want)
		}
	}
}
