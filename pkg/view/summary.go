package view

import (
	"math"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// Strategy names the rollout's strategy.
func Strategy(ro *v1alpha1.Rollout) string {
	switch {
	case ro.Spec.Strategy.Canary != nil:
		return "Canary"
	case ro.Spec.Strategy.BlueGreen != nil:
		return "BlueGreen"
	}
	return "-"
}

// stepIndex is status.currentStepIndex, 0 when unset.
func stepIndex(ro *v1alpha1.Rollout) int32 {
	if ro.Status.CurrentStepIndex == nil {
		return 0
	}
	return *ro.Status.CurrentStepIndex
}

// fullyPromoted reports whether the current template is the stable one.
func fullyPromoted(ro *v1alpha1.Rollout) bool {
	return ro.Status.CurrentPodHash != "" && ro.Status.StableRS == ro.Status.CurrentPodHash
}

// SetWeight is the canary weight the steps ask for now: the weight of the latest
// setWeight step at or before the current one; 100 once every step is done or the
// rollout is fully promoted; 0 while aborted. ok is false for blue-green.
func SetWeight(ro *v1alpha1.Rollout) (weight int32, ok bool) {
	c := ro.Spec.Strategy.Canary
	if c == nil {
		return 0, false
	}
	if fullyPromoted(ro) {
		return 100, true
	}
	if ro.Status.Abort {
		return 0, true
	}
	index := int(stepIndex(ro))
	if index >= len(c.Steps) {
		return 100, true
	}
	for i := index; i >= 0; i-- {
		if c.Steps[i].SetWeight != nil {
			return *c.Steps[i].SetWeight, true
		}
	}
	return 0, true
}

// ActualWeight is the share the canary really has: the router's canary weight when
// the controller reports one, otherwise the canary ReplicaSet's share of the
// available pods (rounded). 100 once fully promoted. ok is false for blue-green.
func ActualWeight(ro *v1alpha1.Rollout, rss []*appsv1.ReplicaSet) (weight int32, ok bool) {
	if ro.Spec.Strategy.Canary == nil {
		return 0, false
	}
	if fullyPromoted(ro) {
		return 100, true
	}
	if w := ro.Status.Canary.Weights; w != nil {
		return w.Canary.Weight, true
	}
	var canary, total int32
	for _, rs := range rss {
		total += rs.Status.AvailableReplicas
		if hashOf(rs) == ro.Status.CurrentPodHash {
			canary += rs.Status.AvailableReplicas
		}
	}
	if total == 0 {
		return 0, true
	}
	return int32(math.Round(float64(canary) * 100 / float64(total))), true
}

// Role is what a ReplicaSet is to its rollout: "stable", "canary" or
// "baseline" (canary.baseline) for a canary, "active" or "preview" for
// blue-green, "" for an old revision.
func Role(ro *v1alpha1.Rollout, hash string) string {
	if hash == "" {
		return ""
	}
	st := ro.Status
	if ro.Spec.Strategy.BlueGreen != nil {
		switch hash {
		case st.BlueGreen.ActiveSelector:
			return "active"
		case st.BlueGreen.PreviewSelector:
			return "preview"
		}
		return ""
	}
	switch hash {
	case st.StableRS:
		return "stable"
	case st.CurrentPodHash:
		return "canary"
	case plan.BaselineHash(st.StableRS, st.CurrentPodHash):
		return "baseline"
	}
	return ""
}

// PauseLeft is the time left of a pause that ends by itself: a timed canary pause
// step or blue-green auto-promotion. ok is false when the rollout is not in such a
// pause.
func PauseLeft(ro *v1alpha1.Rollout, now time.Time) (left time.Duration, ok bool) {
	if ro.Spec.Paused || len(ro.Status.PauseConditions) == 0 {
		return 0, false
	}
	cond := ro.Status.PauseConditions[0]
	var length time.Duration
	switch cond.Reason {
	case v1alpha1.PauseReasonCanaryPauseStep:
		c := ro.Spec.Strategy.Canary
		index := int(stepIndex(ro))
		if c == nil || index >= len(c.Steps) || c.Steps[index].Pause == nil {
			return 0, false
		}
		d, timed, err := plan.PauseDuration(c.Steps[index].Pause)
		if err != nil || !timed {
			return 0, false
		}
		length = d
	case v1alpha1.PauseReasonBlueGreenPause:
		bg := ro.Spec.Strategy.BlueGreen
		if bg == nil || bg.AutoPromotionSeconds <= 0 {
			return 0, false
		}
		length = time.Duration(bg.AutoPromotionSeconds) * time.Second
	default:
		return 0, false
	}
	return max(length-now.Sub(cond.StartTime.Time), 0), true
}
