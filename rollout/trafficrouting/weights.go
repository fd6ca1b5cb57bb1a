package trafficrouting

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// CheckWeights refuses a State whose shares a router must not write: each
// within 0..100 and, the stable's being the rest, summing to 100 (SPEC §2.7
// rule 4). Planning never makes such a State; a router checks anyway, since a
// weight it wrote would move real traffic.
func CheckWeights(s State) error {
	for _, w := range []struct {
		side   string
		weight int32
	}{{"canary", s.CanaryWeight}, {"baseline", s.BaselineWeight}, {"stable", s.StableWeight()}} {
		if w.weight < 0 || w.weight > 100 {
			return fmt.Errorf("refusing weights canary %d%%, baseline %d%%, stable %d%%: the %s's is outside 0..100",
				s.CanaryWeight, s.BaselineWeight, s.StableWeight(), w.side)
		}
	}
	return nil
}

// AcceptedWeights is what status.canary.weights records once a router has
// accepted s: each side's share, Service and ReplicaSet, the baseline's only
// while it has a share.
func AcceptedWeights(s State, c *v1alpha1.CanaryStrategy) *v1alpha1.TrafficWeights {
	verified := true
	w := &v1alpha1.TrafficWeights{
		Canary:   v1alpha1.WeightDestination{Weight: s.CanaryWeight, ServiceName: c.CanaryService, PodTemplateHash: s.CanaryHash},
		Stable:   v1alpha1.WeightDestination{Weight: s.StableWeight(), ServiceName: c.StableService, PodTemplateHash: s.StableHash},
		Verified: &verified,
	}
	if s.BaselineWeight > 0 {
		w.Baseline = &v1alpha1.WeightDestination{Weight: s.BaselineWeight, ServiceName: c.BaselineService, PodTemplateHash: s.BaselineHash}
	}
	return w
}

// WeightsChanged tells whether the recorded weights (nil: none yet) differ in
// any side's share from the accepted ones, which is when the controller
// records a TrafficWeightUpdated event.
func WeightsChanged(recorded, accepted *v1alpha1.TrafficWeights) bool {
	if recorded == nil {
		return true
	}
	return recorded.Canary.Weight != accepted.Canary.Weight || baselineShare(recorded) != baselineShare(accepted)
}

// WeightsMessage describes accepted weights for the TrafficWeightUpdated
// event, naming the baseline only while it has a share.
func WeightsMessage(w *v1alpha1.TrafficWeights) string {
	if b := baselineShare(w); b > 0 {
		return fmt.Sprintf("Traffic weight updated: canary %d%%, baseline %d%%, stable %d%%", w.Canary.Weight, b, w.Stable.Weight)
	}
	return fmt.Sprintf("Traffic weight updated: canary %d%%, stable %d%%", w.Canary.Weight, w.Stable.Weight)
}

func baselineShare(w *v1alpha1.TrafficWeights) int32 {
	if w.Baseline == nil {
		return 0
	}
	return w.Baseline.Weight
}
