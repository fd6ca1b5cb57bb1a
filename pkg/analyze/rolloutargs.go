package analyze

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/runargs"
)

// TemplateRef names the template being analyzed.
type TemplateRef struct {
	Name         string
	ClusterScope bool
}

// Kind is the template's kind.
func (r TemplateRef) Kind() string {
	if r.ClusterScope {
		return "ClusterAnalysisTemplate"
	}
	return "AnalysisTemplate"
}

// FindAnalysis returns the first analysis of the Rollout that names the
// template, and where it is in the spec ("steps[2].analysis"); nil when
// none does. Its args are what the Rollout passes to runs of the template.
func FindAnalysis(ro *v1alpha1.Rollout, ref TemplateRef) (*v1alpha1.RolloutAnalysis, string) {
	names := func(a *v1alpha1.RolloutAnalysis) bool {
		if a == nil {
			return false
		}
		for _, t := range a.Templates {
			if t.TemplateName == ref.Name && t.ClusterScope == ref.ClusterScope {
				return true
			}
		}
		return false
	}
	if c := ro.Spec.Strategy.Canary; c != nil {
		for i, s := range c.Steps {
			if names(s.Analysis) {
				return s.Analysis, fmt.Sprintf("spec.strategy.canary.steps[%d].analysis", i)
			}
		}
		if c.Analysis != nil && names(&c.Analysis.RolloutAnalysis) {
			return &c.Analysis.RolloutAnalysis, "spec.strategy.canary.analysis"
		}
	}
	if b := ro.Spec.Strategy.BlueGreen; b != nil {
		if names(b.PrePromotionAnalysis) {
			return b.PrePromotionAnalysis, "spec.strategy.blueGreen.prePromotionAnalysis"
		}
		if names(b.PostPromotionAnalysis) {
			return b.PostPromotionAnalysis, "spec.strategy.blueGreen.postPromotionAnalysis"
		}
	}
	return nil, ""
}

// RolloutArgValues are the values the analysis passes, resolved against the
// Rollout as the controller resolves them when it starts a run: literals,
// pod-template hashes (Stable, Latest: the current template's, Baseline: the
// baseline of that pair) and fields of the Rollout.
func RolloutArgValues(ro *v1alpha1.Rollout, a *v1alpha1.RolloutAnalysis) (map[string]string, error) {
	out := make(map[string]string, len(a.Args))
	for _, arg := range a.Args {
		v, err := rolloutArgValue(ro, arg)
		if err != nil {
			return nil, fmt.Errorf("argument %q of Rollout %q: %w", arg.Name, ro.Name, err)
		}
		out[arg.Name] = v
	}
	return out, nil
}

func rolloutArgValue(ro *v1alpha1.Rollout, a v1alpha1.AnalysisRunArgument) (string, error) {
	return runargs.Value(ro, a, ro.Status.CurrentPodHash)
}
