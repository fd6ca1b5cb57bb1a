package rollout

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// An analysis that names several templates makes one AnalysisRun: their
// metrics, args, dryRun and measurementRetention rules merged. This file
// merges them, for createRun and for the InvalidSpec check, so both agree on
// what cannot be merged.

// sourceTemplate is a template an analysis names, with its spec.
type sourceTemplate struct {
	ref  v1alpha1.AnalysisTemplateRef
	spec *v1alpha1.AnalysisTemplateSpec
}

// String names the template by kind, as people look for it.
func (t sourceTemplate) String() string {
	if t.ref.ClusterScope {
		return fmt.Sprintf("ClusterAnalysisTemplate %q", t.ref.TemplateName)
	}
	return fmt.Sprintf("AnalysisTemplate %q", t.ref.TemplateName)
}

// mergeTemplates merges the templates of one analysis into one run spec. The
// result shares memory with the templates (they come from the informer's
// cache): deep-copy it before changing it.
//
// Metric names must be unique across the templates. An argument declared by
// several templates takes the value one of them gives (a template that leaves
// it for the caller does not make it missing); two templates that give it
// different values are an error, since one of them would measure with the
// other's value — unless the analysis passes the argument itself (supplied),
// whose value replaces both.
func mergeTemplates(templates []sourceTemplate, supplied map[string]bool) (*v1alpha1.AnalysisRunSpec, error) {
	spec := &v1alpha1.AnalysisRunSpec{}
	metricFrom := map[string]sourceTemplate{}
	valueFrom := map[string]sourceTemplate{} // the template whose value an argument has
	for _, t := range templates {
		for _, m := range t.spec.Metrics {
			if other, dup := metricFrom[m.Name]; dup {
				return nil, fmt.Errorf("metric %q is defined in both %s and %s; metric names must be unique across the templates of one analysis", m.Name, other, t)
			}
			metricFrom[m.Name] = t
			spec.Metrics = append(spec.Metrics, m)
		}
		for _, a := range t.spec.Args {
			if err := mergeArg(&spec.Args, a, t, valueFrom, supplied[a.Name]); err != nil {
				return nil, err
			}
		}
		spec.DryRun = append(spec.DryRun, t.spec.DryRun...)
		spec.MeasurementRetention = append(spec.MeasurementRetention, t.spec.MeasurementRetention...)
	}
	return spec, nil
}

// mergeArg adds one template's declaration of an argument to the merged args:
// a new argument is added; a value fills an argument declared without one; a
// different value for an argument that has one is an error naming both
// templates, unless the analysis supplies the argument.
func mergeArg(args *[]v1alpha1.Argument, a v1alpha1.Argument, from sourceTemplate, valueFrom map[string]sourceTemplate, supplied bool) error {
	i := argIndex(*args, a.Name)
	switch {
	case i < 0:
		*args = append(*args, a)
	case !hasValue(a):
		return nil // nothing to add: it has a value already, or no template gives one yet
	case !hasValue((*args)[i]):
		(*args)[i] = a
	case sameValue((*args)[i], a) || supplied:
		return nil
	default:
		return fmt.Errorf("argument %q has different values in %s and %s; give it the same value in both, or pass it in the analysis's args",
			a.Name, valueFrom[a.Name], from)
	}
	if hasValue(a) {
		valueFrom[a.Name] = from
	}
	return nil
}

func argIndex(args []v1alpha1.Argument, name string) int {
	for i := range args {
		if args[i].Name == name {
			return i
		}
	}
	return -1
}

// hasValue reports whether a template argument has a value of its own (a
// literal or a reference), rather than waiting for the caller's.
func hasValue(a v1alpha1.Argument) bool { return a.Value != nil || a.ValueFrom != nil }

// sameValue reports whether two declarations give an argument the same value.
func sameValue(a, b v1alpha1.Argument) bool {
	return equality.Semantic.DeepEqual(a.Value, b.Value) && equality.Semantic.DeepEqual(a.ValueFrom, b.ValueFrom)
}

// suppliedArgs are the arguments an analysis passes to its templates.
func suppliedArgs(analysis *v1alpha1.RolloutAnalysis) map[string]bool {
	supplied := make(map[string]bool, len(analysis.Args))
	for _, a := range analysis.Args {
		supplied[a.Name] = true
	}
	return supplied
}

// templatesOf reads the templates an analysis names from the caches.
func (c *Controller) templatesOf(namespace string, analysis *v1alpha1.RolloutAnalysis) ([]sourceTemplate, error) {
	out := make([]sourceTemplate, 0, len(analysis.Templates))
	for _, ref := range analysis.Templates {
		spec, err := c.template(namespace, ref)
		if err != nil {
			return nil, err
		}
		out = append(out, sourceTemplate{ref, spec})
	}
	return out, nil
}

// unmergeableTemplates names the first analysis of the strategy whose
// templates cannot be merged into one run (a metric in two of them, an
// argument they give different values), with the reason, or "". Found here it
// makes the Rollout InvalidSpec before any run is created, rather than a run
// that measures with the wrong value or a create that fails on every sync.
func (c *Controller) unmergeableTemplates(ro *v1alpha1.Rollout) string {
	if c.templateLister == nil {
		return ""
	}
	for _, a := range analysesOf(ro) {
		if len(a.analysis.Templates) < 2 {
			continue // one template merges with nothing (its metric names are unique by schema)
		}
		templates, err := c.templatesOf(ro.Namespace, a.analysis)
		if err != nil {
			continue // a missing template: missingTemplate reports it
		}
		if _, err := mergeTemplates(templates, suppliedArgs(a.analysis)); err != nil {
			return fmt.Sprintf("%s: %v", a.path, err)
		}
	}
	return ""
}

// strategyAnalysis is one analysis of a Rollout and the path of its field.
type strategyAnalysis struct {
	path     string
	analysis *v1alpha1.RolloutAnalysis
}

// analysesOf lists every analysis of the strategy: background, steps, and
// blue-green pre- and post-promotion.
func analysesOf(ro *v1alpha1.Rollout) []strategyAnalysis {
	var out []strategyAnalysis
	if c := ro.Spec.Strategy.Canary; c != nil {
		if c.Analysis != nil {
			out = append(out, strategyAnalysis{"spec.strategy.canary.analysis", &c.Analysis.RolloutAnalysis})
		}
		for i, s := range c.Steps {
			if s.Analysis != nil {
				out = append(out, strategyAnalysis{fmt.Sprintf("spec.strategy.canary.steps[%d].analysis", i), s.Analysis})
			}
		}
	}
	if bg := ro.Spec.Strategy.BlueGreen; bg != nil {
		for _, a := range []strategyAnalysis{
			{"spec.strategy.blueGreen.prePromotionAnalysis", bg.PrePromotionAnalysis},
			{"spec.strategy.blueGreen.postPromotionAnalysis", bg.PostPromotionAnalysis},
		} {
			if a.analysis != nil {
				out = append(out, a)
			}
		}
	}
	return out
}
