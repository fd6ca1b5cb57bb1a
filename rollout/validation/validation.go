// Package validation checks a Rollout for the problems that need no other object
// and that the API server's schema cannot see. The controller reports the first
// one as the InvalidSpec condition; `kubectl sluice lint` reports them all,
// offline. Keeping the rules in one place means the two never disagree about
// what is valid.
//
// Checks that need other objects (a missing Service, a workloadRef Deployment)
// stay with their callers, which read those objects in different ways.
package validation

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// Problem is one invalid field of a Rollout.
type Problem struct {
	// Field is the path of the field, e.g. "spec.strategy.canary.steps[2].pause.duration".
	Field string
	// Message says what is wrong and what is expected.
	Message string
}

// String is the problem as the InvalidSpec condition shows it.
func (p Problem) String() string { return p.Field + ": " + p.Message }

// Rollout returns the problems of a Rollout that need no other object, in the
// order the controller reports them.
func Rollout(ro *v1alpha1.Rollout) []Problem {
	var out []Problem
	add := func(p *Problem) {
		if p != nil {
			out = append(out, *p)
		}
	}
	s := &ro.Spec
	add(strategy(s.Strategy))
	// Without a template there is nothing to match; the CRD requires template
	// or workloadRef, and the controller checks a workloadRef's Deployment.
	if s.WorkloadRef == nil && !equality.Semantic.DeepEqual(s.Template, corev1.PodTemplateSpec{}) {
		add(Selector(s.Selector, s.Template.Labels, "spec.template.metadata.labels"))
	}
	if bg := s.Strategy.BlueGreen; bg != nil && bg.PreviewService != "" && bg.PreviewService == bg.ActiveService {
		add(&Problem{"spec.strategy.blueGreen.previewService",
			fmt.Sprintf("activeService and previewService are both %q; they must be different Services", bg.ActiveService)})
	}
	if c := s.Strategy.Canary; c != nil {
		add(routingServices(c))
		out = append(out, pauseDurations(c)...)
		out = append(out, unmanagedRoutes(c)...)
		add(weightWithoutPods(c))
		add(baselineServices(c))
	}
	add(baselineArgument(ro))
	return out
}

// routingServices checks that a routed canary names two different Services: the
// router splits traffic between them (SPEC §2.2).
// weightWithoutPods rejects a setWeight above 0 that comes while setCanaryScale
// sizes the canary at 0 pods: the step could never complete.
func weightWithoutPods(c *v1alpha1.CanaryStrategy) *Problem {
	w, scale, found := plan.WeightWithoutPods(c.Steps)
	if !found {
		return nil
	}
	weight := *c.Steps[w].SetWeight
	if scale > w {
		return &Problem{fmt.Sprintf("spec.strategy.canary.steps[%d].setCanaryScale", scale),
			fmt.Sprintf("sizes the canary at 0 pods while steps[%d] sends it %d%% of traffic, so the step could never complete; "+
				"set the weight to 0 first or keep the canary's pods", w, weight)}
	}
	return &Problem{fmt.Sprintf("spec.strategy.canary.steps[%d].setWeight", w),
		fmt.Sprintf("setWeight %d would send traffic to a canary that steps[%d].setCanaryScale sizes at 0 pods, so the step could never complete; "+
			"give the canary pods first (setCanaryScale {replicas: N}, {weight: N} or {matchTrafficWeight: true})", weight, scale)}
}

func routingServices(c *v1alpha1.CanaryStrategy) *Problem {
	switch {
	case c.TrafficRouting == nil:
		return nil
	case c.StableService == "" || c.CanaryService == "":
		return &Problem{"spec.strategy.canary", "trafficRouting needs both stableService and canaryService: the router splits traffic between them"}
	case c.StableService == c.CanaryService:
		return &Problem{"spec.strategy.canary.canaryService",
			fmt.Sprintf("stableService and canaryService are both %q; they must be different Services", c.StableService)}
	}
	return nil
}

// baselineServices checks the baseline's Service (canary.baseline): a router
// sends the baseline's share to it, so it must be there and be its own.
func baselineServices(c *v1alpha1.CanaryStrategy) *Problem {
	switch {
	case c.Baseline != nil && c.TrafficRouting != nil && c.BaselineService == "":
		return &Problem{"spec.strategy.canary.baselineService", "a baseline with trafficRouting needs a baselineService: the router sends the baseline's share to it"}
	case c.BaselineService != "" && (c.BaselineService == c.StableService || c.BaselineService == c.CanaryService):
		return &Problem{"spec.strategy.canary.baselineService",
			fmt.Sprintf("%q is also the stableService or canaryService; the baseline needs a Service of its own", c.BaselineService)}
	}
	return nil
}

// baselineArgument rejects an analysis argument that asks for the baseline's
// hash (podTemplateHashValue: Baseline) when the Rollout runs no baseline:
// its queries would match no pods.
func baselineArgument(ro *v1alpha1.Rollout) *Problem {
	c := ro.Spec.Strategy.Canary
	if c != nil && c.Baseline != nil {
		return nil
	}
	for _, a := range rolloutArguments(ro.Spec.Strategy) {
		if v := a.arg.ValueFrom; v != nil && v.PodTemplateHashValue != nil && *v.PodTemplateHashValue == v1alpha1.Baseline {
			return &Problem{a.field + ".valueFrom.podTemplateHashValue",
				fmt.Sprintf("argument %q asks for the Baseline hash, but spec.strategy.canary.baseline is not set, so there is no baseline", a.arg.Name)}
		}
	}
	return nil
}

// namedArgument is an analysis argument with the field path that sets it.
type namedArgument struct {
	field string
	arg   v1alpha1.AnalysisRunArgument
}

// rolloutArguments lists every analysis argument the strategy passes.
func rolloutArguments(s v1alpha1.RolloutStrategy) []namedArgument {
	var out []namedArgument
	add := func(field string, a *v1alpha1.RolloutAnalysis) {
		if a == nil {
			return
		}
		for i, arg := range a.Args {
			out = append(out, namedArgument{fmt.Sprintf("%s.args[%d]", field, i), arg})
		}
	}
	if c := s.Canary; c != nil {
		if c.Analysis != nil {
			add("spec.strategy.canary.analysis", &c.Analysis.RolloutAnalysis)
		}
		for i, step := range c.Steps {
			add(fmt.Sprintf("spec.strategy.canary.steps[%d].analysis", i), step.Analysis)
		}
	}
	if bg := s.BlueGreen; bg != nil {
		add("spec.strategy.blueGreen.prePromotionAnalysis", bg.PrePromotionAnalysis)
		add("spec.strategy.blueGreen.postPromotionAnalysis", bg.PostPromotionAnalysis)
	}
	return out
}

// strategy checks that exactly one strategy is set. The CRD checks it too; the
// controller checks it again because everything after depends on it.
func strategy(s v1alpha1.RolloutStrategy) *Problem {
	switch {
	case s.Canary != nil && s.BlueGreen != nil:
		return &Problem{"spec.strategy", "both canary and blueGreen are set; set exactly one of them"}
	case s.Canary == nil && s.BlueGreen == nil:
		return &Problem{"spec.strategy", "neither canary nor blueGreen is set; set exactly one of them"}
	}
	return nil
}

// Selector checks a Rollout's selector against the labels of the pods it must
// select: those of its template (labelsField "spec.template.metadata.labels") or
// of its workloadRef Deployment. Unlike the CRD's CEL rule it understands
// matchExpressions.
func Selector(sel *metav1.LabelSelector, podLabels map[string]string, labelsField string) *Problem {
	if sel == nil {
		return &Problem{"spec.selector", "required: the Rollout needs a selector that matches " + labelsField}
	}
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return &Problem{"spec.selector", err.Error()}
	}
	if selector.Empty() {
		return &Problem{"spec.selector", "an empty selector would select every pod; select the labels of " + labelsField}
	}
	for _, key := range slices.Sorted(maps.Keys(sel.MatchLabels)) {
		want := sel.MatchLabels[key]
		got, ok := podLabels[key]
		switch {
		case !ok:
			return &Problem{"spec.selector", fmt.Sprintf("matchLabels %s=%s does not match %s, which has no label %s", key, want, labelsField, key)}
		case got != want:
			return &Problem{"spec.selector", fmt.Sprintf("matchLabels %s=%s does not match %s, which has %s=%s", key, want, labelsField, key, got)}
		}
	}
	if !selector.Matches(labels.Set(podLabels)) {
		return &Problem{"spec.selector", fmt.Sprintf("%q does not match %s (%s)", selector.String(), labelsField, describeLabels(podLabels))}
	}
	return nil
}

// pauseDurations checks every pause step's duration parses the way the planner
// reads it.
func pauseDurations(c *v1alpha1.CanaryStrategy) []Problem {
	var out []Problem
	for i, step := range c.Steps {
		if step.Pause == nil {
			continue
		}
		if _, _, err := plan.PauseDuration(step.Pause); err != nil {
			out = append(out, Problem{fmt.Sprintf("spec.strategy.canary.steps[%d].pause.duration", i),
				err.Error() + `: use seconds ("30" or 30) or a number with s, m or h ("5m")`})
		}
	}
	return out
}

// unmanagedRoutes finds header and mirror route steps whose route is not listed
// in trafficRouting.managedRoutes: the controller only adds and removes routes
// it is told it owns (SPEC §7).
func unmanagedRoutes(c *v1alpha1.CanaryStrategy) []Problem {
	managed := map[string]bool{}
	if c.TrafficRouting != nil {
		for _, r := range c.TrafficRouting.ManagedRoutes {
			managed[r.Name] = true
		}
	}
	var out []Problem
	check := func(i int, field, name string) {
		if name == "" || managed[name] {
			return
		}
		msg := fmt.Sprintf("route %q is not listed in spec.strategy.canary.trafficRouting.managedRoutes; add {name: %s} there", name, name)
		if c.TrafficRouting == nil {
			msg = fmt.Sprintf("route %q needs trafficRouting: %s steps only work with a traffic router that lists the route in managedRoutes", name, field)
		}
		out = append(out, Problem{fmt.Sprintf("spec.strategy.canary.steps[%d].%s.name", i, field), msg})
	}
	for i, step := range c.Steps {
		if step.SetHeaderRoute != nil {
			check(i, "setHeaderRoute", step.SetHeaderRoute.Name)
		}
		if step.SetMirrorRoute != nil {
			check(i, "setMirrorRoute", step.SetMirrorRoute.Name)
		}
	}
	return out
}

// describeLabels shows labels as k=v pairs in key order, for messages.
func describeLabels(l map[string]string) string {
	if len(l) == 0 {
		return "no labels"
	}
	pairs := make([]string, 0, len(l))
	for k, v := range l {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}
