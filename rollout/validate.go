package rollout

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// invalidSpec checks what the API server cannot: references to other objects and
// features this version does not run yet. It returns a precise message, or "".
func (c *Controller) invalidSpec(ro *v1alpha1.Rollout) string {
	s := &ro.Spec
	switch {
	case (s.Strategy.Canary == nil) == (s.Strategy.BlueGreen == nil):
		return "spec.strategy: exactly one of canary or blueGreen must be set"
	case s.Strategy.Canary != nil && s.Strategy.Canary.TrafficRouting != nil:
		return "spec.strategy.canary.trafficRouting: traffic routing is not supported by this controller version yet"
	}
	if s.WorkloadRef != nil {
		if msg := c.invalidWorkload(ro); msg != "" {
			return msg
		}
	} else if msg := selectorMismatch(ro); msg != "" {
		return msg
	}
	if msg := c.missingService(ro); msg != "" {
		return msg
	}
	if bg := s.Strategy.BlueGreen; bg != nil {
		if bg.PreviewService == bg.ActiveService {
			return "spec.strategy.blueGreen: activeService and previewService must be different Services"
		}
		return ""
	}
	for i, step := range s.Strategy.Canary.Steps {
		if step.Pause != nil {
			if _, _, err := plan.PauseDuration(step.Pause); err != nil {
				return fmt.Sprintf("spec.strategy.canary.steps[%d].pause.duration: %v", i, err)
			}
		}
	}
	return ""
}

// missingService names the first Service the strategy refers to that does not exist.
func (c *Controller) missingService(ro *v1alpha1.Rollout) string {
	type ref struct{ field, name string }
	var refs []ref
	if canary := ro.Spec.Strategy.Canary; canary != nil {
		refs = []ref{{"canary.stableService", canary.StableService}, {"canary.canaryService", canary.CanaryService}}
	} else {
		bg := ro.Spec.Strategy.BlueGreen
		refs = []ref{{"blueGreen.activeService", bg.ActiveService}, {"blueGreen.previewService", bg.PreviewService}}
	}
	for _, r := range refs {
		if r.name == "" {
			continue
		}
		if _, err := c.serviceLister.Services(ro.Namespace).Get(r.name); err != nil {
			return fmt.Sprintf("spec.strategy.%s: Service %q not found", r.field, r.name)
		}
	}
	return ""
}

// selectorMismatch checks the selector against the template labels, including
// matchExpressions, which the CRD's CEL rule cannot.
func selectorMismatch(ro *v1alpha1.Rollout) string {
	sel, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		return "spec.selector: " + err.Error()
	}
	if sel.Empty() {
		return "spec.selector: an empty selector would select every pod"
	}
	if !sel.Matches(labels.Set(ro.Spec.Template.Labels)) {
		return "spec.selector does not match spec.template.metadata.labels"
	}
	return ""
}
