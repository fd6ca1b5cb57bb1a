package lint

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	specvalidation "github.com/sluice-dev/sluice/rollout/validation"
)

// checkMetadata checks what the API server checks of every object's metadata:
// a valid name, labels and annotations.
func (l *linter) checkMetadata(obj *lintObject) {
	m, err := meta.Accessor(obj.typed)
	if err != nil {
		return
	}
	switch {
	case m.GetName() == "" && m.GetGenerateName() == "":
		l.errorf(obj, "metadata.name", "required field is missing")
	case m.GetName() != "":
		for _, msg := range apivalidation.NameIsDNSSubdomain(m.GetName(), false) {
			l.errorf(obj, "metadata.name", "%q is not a valid name: %s", m.GetName(), msg)
		}
	}
	l.fieldErrors(obj, metav1validation.ValidateLabels(m.GetLabels(), field.NewPath("metadata", "labels")))
	l.fieldErrors(obj, apivalidation.ValidateAnnotations(m.GetAnnotations(), field.NewPath("metadata", "annotations")))
}

// fieldErrors reports the errors of Kubernetes' own validation functions.
func (l *linter) fieldErrors(obj *lintObject, errs field.ErrorList) {
	for _, e := range errs {
		l.errorf(obj, e.Field, "%s", e.ErrorBody())
	}
}

// checkRollout applies the controller's InvalidSpec rules and lint's own to a
// Rollout.
func (l *linter) checkRollout(obj *lintObject, ro *v1alpha1.Rollout) {
	for _, p := range specvalidation.Rollout(ro) {
		if slices.ContainsFunc(validationReads(p.Field), obj.partlyLost) {
			continue
		}
		l.errorf(obj, p.Field, "%s", p.Message)
	}
	if valueAt(obj.raw, "spec.template") != nil && ro.Spec.WorkloadRef == nil {
		l.checkPodTemplate(obj, "spec.template", &ro.Spec.Template)
	}
	if c := ro.Spec.Strategy.Canary; c != nil {
		l.checkCanary(obj, c)
	}
	if bg := ro.Spec.Strategy.BlueGreen; bg != nil {
		l.checkPodCount(obj, "spec.strategy.blueGreen.maxUnavailable", bg.MaxUnavailable)
	}
}

// validationReads are the fields a controller rule reads, as a whole, to judge
// a field: the selector is judged with all its labels against the pod labels,
// and a route step's name by the router's managedRoutes. While part of one did
// not decode, the rule saw it incomplete and its problem is not reported.
func validationReads(field string) []string {
	switch {
	case field == "spec.selector":
		return []string{"spec.selector", "spec.template.metadata.labels"}
	case strings.HasSuffix(field, ".setHeaderRoute.name"), strings.HasSuffix(field, ".setMirrorRoute.name"):
		return []string{trafficRoutingPath}
	}
	return nil
}

// checkPodTemplate checks the parts of a pod template that the ReplicaSet (or
// Job) made from it needs and the CRD's schema does not check: valid labels and
// containers with a name and an image.
func (l *linter) checkPodTemplate(obj *lintObject, at string, t *corev1.PodTemplateSpec) {
	l.fieldErrors(obj, metav1validation.ValidateLabels(t.Labels, field.NewPath(at, "metadata", "labels")))
	if len(t.Spec.Containers) == 0 {
		l.errorf(obj, at+".spec.containers", "required: a pod template needs at least one container")
	}
	seen := map[string]int{}
	for i, c := range t.Spec.Containers {
		path := fmt.Sprintf("%s.spec.containers[%d]", at, i)
		if j, dup := seen[c.Name]; dup && c.Name != "" {
			l.errorf(obj, path+".name", "duplicate container name %q (containers[%d] has it too)", c.Name, j)
		}
		seen[c.Name] = i
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			l.errorf(obj, path+".name", "%q is not a valid container name: %s", c.Name, msg)
		}
		if strings.TrimSpace(c.Image) == "" {
			l.errorf(obj, path+".image", "required: the API server rejects a pod template whose container has no image")
		}
	}
}

// routedOnlyFields are canary fields that only act with trafficRouting.
var routedOnlyFields = []string{"scaleDownDelaySeconds", "abortScaleDownDelaySeconds", "dynamicStableScale", "minPodsPerReplicaSet"}

// checkCanary warns about canary settings that do nothing as written.
func (l *linter) checkCanary(obj *lintObject, c *v1alpha1.CanaryStrategy) {
	const at = "spec.strategy.canary"
	l.checkPodCount(obj, at+".maxSurge", c.MaxSurge)
	l.checkPodCount(obj, at+".maxUnavailable", c.MaxUnavailable)
	if c.TrafficRouting == nil && !obj.lost(trafficRoutingPath) {
		for _, f := range routedOnlyFields {
			if valueAt(obj.raw, at+"."+f) != nil {
				l.warnf(obj, at+"."+f, "has no effect without trafficRouting")
			}
		}
		for i, step := range c.Steps {
			if step.SetCanaryScale != nil {
				l.warnf(obj, fmt.Sprintf("%s.steps[%d].setCanaryScale", at, i),
					"has no effect without trafficRouting: without a router the canary's size follows setWeight")
			}
		}
	}
	if bg := c.Analysis; bg != nil && bg.StartingStep != nil && len(c.Steps) > 0 && int(*bg.StartingStep) >= len(c.Steps) {
		l.warnf(obj, at+".analysis.startingStep", "is %d, but there %s: the background analysis would never run",
			*bg.StartingStep, stepIndexes(len(c.Steps)))
	}
}

// stepIndexes says how many steps there are and their indexes: "is only 1
// step (0)", "are only 3 steps (0 to 2)".
func stepIndexes(n int) string {
	if n == 1 {
		return "is only 1 step (0)"
	}
	return fmt.Sprintf("are only %d steps (0 to %d)", n, n-1)
}

// checkPodCount warns about a maxSurge or maxUnavailable string without "%":
// the CRD lets it through, but it is not a percentage and counts as 0.
func (l *linter) checkPodCount(obj *lintObject, at string, v *intstr.IntOrString) {
	if v == nil || v.Type != intstr.String || strings.HasSuffix(v.StrVal, "%") {
		return
	}
	l.warnf(obj, at, "the string %q is not a percentage and counts as 0; write %s for a number of pods or \"%s%%\"", v.StrVal, v.StrVal, v.StrVal)
}
