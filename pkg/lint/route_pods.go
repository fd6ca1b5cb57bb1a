package lint

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
	specvalidation "github.com/sluice-dev/sluice/rollout/validation"
)

// checkRoutePods warns about a setHeaderRoute or setMirrorRoute step that comes
// while the canary has no pods: the controller sets no route toward a canary
// without an available pod, so a pause meant for the route's users tests
// nothing. The steps are simulated as `kubectl sluice plan` simulates them (the
// same code decides), so lint and plan flag the same steps. A Rollout the
// controller would reject is not simulated: its errors come first.
func (l *linter) checkRoutePods(obj *lintObject, ro *v1alpha1.Rollout) {
	if len(specvalidation.Rollout(ro)) > 0 {
		return
	}
	for _, r := range plan.RoutesWithoutPods(ro) {
		l.warnf(obj, fmt.Sprintf("spec.strategy.canary.steps[%d].%s", r.Step, r.Field), "%s", r.Message())
	}
}
