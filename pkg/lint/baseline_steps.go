package lint

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// checkBaselineSteps warns about an analysis step that passes the baseline's
// hash (podTemplateHashValue: Baseline) at a weight where no baseline runs: 0
// or 100, or above 50 with a traffic router (plan.BaselineFits). Its queries
// would find no baseline pods, so a judge could only say it has no data.
func (l *linter) checkBaselineSteps(obj *lintObject, ro *v1alpha1.Rollout) {
	c := ro.Spec.Strategy.Canary
	if c == nil || c.Baseline == nil {
		return // without a baseline the controller reports the argument itself
	}
	weight := int32(0)
	for i, step := range c.Steps {
		if step.SetWeight != nil {
			weight = *step.SetWeight
		}
		arg := baselineArgument(step.Analysis)
		if arg == "" || plan.BaselineFits(c.TrafficRouting != nil, weight) {
			continue
		}
		l.warnf(obj, fmt.Sprintf("spec.strategy.canary.steps[%d].analysis", i),
			"argument %q is the baseline's hash, but at weight %d no baseline runs (%s), so the analysis finds no baseline pods; judge at a weight where it runs",
			arg, weight, baselineRange(c.TrafficRouting != nil))
	}
}

// baselineArgument is the name of an analysis argument that takes the
// baseline's hash, or "".
func baselineArgument(a *v1alpha1.RolloutAnalysis) string {
	if a == nil {
		return ""
	}
	for _, arg := range a.Args {
		if v := arg.ValueFrom; v != nil && v.PodTemplateHashValue != nil && *v.PodTemplateHashValue == v1alpha1.Baseline {
			return arg.Name
		}
	}
	return ""
}

func baselineRange(routed bool) string {
	if routed {
		return "with a traffic router a baseline runs at weights 1 to 50"
	}
	return "a baseline runs at weights 1 to 99"
}
