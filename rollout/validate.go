package rollout

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/validation"
)

// invalidSpec checks what the API server cannot: the rules of package validation
// (shared with `kubectl sluice lint`), features this version does not run yet,
// and references to other objects. It returns a precise message, or "".
func (c *Controller) invalidSpec(ro *v1alpha1.Rollout) string {
	if problems := validation.Rollout(ro); len(problems) > 0 {
		return problems[0].String()
	}
	if ro.Spec.WorkloadRef != nil {
		if msg := c.invalidWorkload(ro); msg != "" {
			return msg
		}
	}
	if msg := c.missingService(ro); msg != "" {
		return msg
	}
	if msg := c.missingRoutingObject(ro); msg != "" {
		return msg
	}
	if msg := c.misconfiguredRouting(ro); msg != "" {
		return msg
	}
	if msg := c.missingTemplate(ro); msg != "" {
		return msg
	}
	return c.unmergeableTemplates(ro)
}

// missingService names the first Service the strategy refers to that does not exist.
func (c *Controller) missingService(ro *v1alpha1.Rollout) string {
	type ref struct{ field, name string }
	var refs []ref
	if canary := ro.Spec.Strategy.Canary; canary != nil {
		refs = []ref{{"canary.stableService", canary.StableService}, {"canary.canaryService", canary.CanaryService},
			{"canary.baselineService", canary.BaselineService}}
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

// missingTemplate names the first analysis template the strategy refers to that
// does not exist.
func (c *Controller) missingTemplate(ro *v1alpha1.Rollout) string {
	if c.templateLister == nil {
		return ""
	}
	for _, ref := range referencedTemplates(ro) {
		if ref.ClusterScope {
			if c.clusterTemplateLister == nil {
				return fmt.Sprintf("%s: %v", ref.path, errNoClusterTemplates)
			}
			if _, err := c.clusterTemplateLister.Get(ref.TemplateName); err != nil {
				return fmt.Sprintf("%s: ClusterAnalysisTemplate %q not found", ref.path, ref.TemplateName)
			}
		} else if _, err := c.templateLister.AnalysisTemplates(ro.Namespace).Get(ref.TemplateName); err != nil {
			return fmt.Sprintf("%s: AnalysisTemplate %q not found", ref.path, ref.TemplateName)
		}
	}
	return ""
}
