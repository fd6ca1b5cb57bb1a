package validation

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// rollout is a valid canary Rollout changed by edit.
func rollout(edit func(*v1alpha1.Rollout)) *v1alpha1.Rollout {
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "front"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web:1"}}},
		},
		Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{}},
	}}
	if edit != nil {
		edit(ro)
	}
	return ro
}

func pause(d intstr.IntOrString) v1alpha1.CanaryStep {
	return v1alpha1.CanaryStep{Pause: &v1alpha1.RolloutPause{Duration: &d}}
}

func TestRollout(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*v1alpha1.Rollout)
		want []string
	}{
		{"valid", nil, nil},
		{"both strategies", func(ro *v1alpha1.Rollout) {
			ro.Spec.Strategy.BlueGreen = &v1alpha1.BlueGreenStrategy{ActiveService: "a"}
		}, []string{"spec.strategy: both canary and blueGreen are set; set exactly one of them"}},
		{"no strategy", func(ro *v1alpha1.Rollout) { ro.Spec.Strategy.Canary = nil },
			[]string{"spec.strategy: neither canary nor blueGreen is set; set exactly one of them"}},
		{"selector value differs", func(ro *v1alpha1.Rollout) { ro.Spec.Template.Labels["app"] = "api" },
			[]string{"spec.selector: matchLabels app=web does not match spec.template.metadata.labels, which has app=api"}},
		{"selector expression", func(ro *v1alpha1.Rollout) {
			ro.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"front"}}}}
		}, []string{`spec.selector: "tier notin (front)" does not match spec.template.metadata.labels (app=web,tier=front)`}},
		{"bad operator", func(ro *v1alpha1.Rollout) {
			ro.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}}
		}, []string{`spec.selector: "Near" is not a valid label selector operator`}},
		{"empty selector", func(ro *v1alpha1.Rollout) { ro.Spec.Selector = &metav1.LabelSelector{} },
			[]string{"spec.selector: an empty selector would select every pod; select the labels of spec.template.metadata.labels"}},
		{"workloadRef: selector checked against the Deployment by the caller", func(ro *v1alpha1.Rollout) {
			ro.Spec.Template = corev1.PodTemplateSpec{}
			ro.Spec.WorkloadRef = &v1alpha1.ObjectRef{Kind: "Deployment", Name: "web"}
		}, nil},
		{"same blue-green Services", func(ro *v1alpha1.Rollout) {
			ro.Spec.Strategy = v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{ActiveService: "web", PreviewService: "web"}}
		}, []string{`spec.strategy.blueGreen.previewService: activeService and previewService are both "web"; they must be different Services`}},
		{"bad pause duration", func(ro *v1alpha1.Rollout) {
			ro.Spec.Strategy.Canary.Steps = []v1alpha1.CanaryStep{pause(intstr.FromString("5m")), pause(intstr.FromString("soon"))}
		}, []string{`spec.strategy.canary.steps[1].pause.duration: invalid pause duration "soon": use seconds ("30" or 30) or a number with s, m or h ("5m")`}},
		{"header route not managed", func(ro *v1alpha1.Rollout) {
			ro.Spec.Strategy.Canary.TrafficRouting = &v1alpha1.RolloutTrafficRouting{ManagedRoutes: []v1alpha1.MangedRoutes{{Name: "beta"}}}
			ro.Spec.Strategy.Canary.StableService, ro.Spec.Strategy.Canary.CanaryService = "web-stable", "web-canary"
			ro.Spec.Strategy.Canary.Steps = []v1alpha1.CanaryStep{
				{SetHeaderRoute: &v1alpha1.SetHeaderRoute{Name: "beta"}},
				{SetMirrorRoute: &v1alpha1.SetMirrorRoute{Name: "shadow"}},
			}
		}, []string{`spec.strategy.canary.steps[1].setMirrorRoute.name: route "shadow" is not listed in spec.strategy.canary.trafficRouting.managedRoutes; add {name: shadow} there`}},
		{"header route without routing", func(ro *v1alpha1.Rollout) {
			ro.Spec.Strategy.Canary.Steps = []v1alpha1.CanaryStep{{SetHeaderRoute: &v1alpha1.SetHeaderRoute{Name: "beta"}}}
		}, []string{`spec.strategy.canary.steps[0].setHeaderRoute.name: route "beta" needs trafficRouting: setHeaderRoute steps only work with a traffic router that lists the route in managedRoutes`}},
		{"weight toward a canary scaled to 0", func(ro *v1alpha1.Rollout) {
			zero, twenty := int32(0), int32(20)
			ro.Spec.Strategy.Canary.Steps = []v1alpha1.CanaryStep{
				{SetCanaryScale: &v1alpha1.SetCanaryScale{Replicas: &zero}}, pause(intstr.FromInt32(10)), {SetWeight: &twenty},
			}
		}, []string{`spec.strategy.canary.steps[2].setWeight: setWeight 20 would send traffic to a canary that steps[0].setCanaryScale sizes at 0 pods, so the step could never complete; ` +
			`give the canary pods first (setCanaryScale {replicas: N}, {weight: N} or {matchTrafficWeight: true})`}},
		{"canary scaled to 0 under a weight", func(ro *v1alpha1.Rollout) {
			zero, forty := int32(0), int32(40)
			ro.Spec.Strategy.Canary.Steps = []v1alpha1.CanaryStep{
				{SetWeight: &forty}, {SetCanaryScale: &v1alpha1.SetCanaryScale{Replicas: &zero}}, {SetWeight: &zero},
			}
		}, []string{`spec.strategy.canary.steps[1].setCanaryScale: sizes the canary at 0 pods while steps[0] sends it 40% of traffic, so the step could never complete; ` +
			`set the weight to 0 first or keep the canary's pods`}},
		{"weight after the canary scale is back on the weight", func(ro *v1alpha1.Rollout) {
			zero, twenty := int32(0), int32(20)
			ro.Spec.Strategy.Canary.Steps = []v1alpha1.CanaryStep{
				{SetCanaryScale: &v1alpha1.SetCanaryScale{Weight: &zero}}, {SetWeight: &zero},
				{SetCanaryScale: &v1alpha1.SetCanaryScale{MatchTrafficWeight: true}}, {SetWeight: &twenty},
			}
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range Rollout(rollout(tc.edit)) {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoutedCanaryNeedsTwoServices(t *testing.T) {
	routed := func(stable, canary string) *v1alpha1.Rollout {
		return rollout(func(ro *v1alpha1.Rollout) {
			c := ro.Spec.Strategy.Canary
			c.TrafficRouting = &v1alpha1.RolloutTrafficRouting{GatewayAPI: &v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "r"}}
			c.StableService, c.CanaryService = stable, canary
		})
	}
	if p := Rollout(routed("a", "b")); len(p) != 0 {
		t.Errorf("routed canary with two Services: %v", p)
	}
	if p := Rollout(routed("a", "")); len(p) != 1 || p[0].Field != "spec.strategy.canary" {
		t.Errorf("routed canary without a canary Service: %v", p)
	}
	if p := Rollout(routed("a", "a")); len(p) != 1 || p[0].Field != "spec.strategy.canary.canaryService" {
		t.Errorf("routed canary with one Service twice: %v", p)
	}
}

func TestSelectorAgainstDeploymentLabels(t *testing.T) {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	if p := Selector(sel, map[string]string{"app": "web", "x": "y"}, `Deployment "web"`); p != nil {
		t.Errorf("matching labels: %v", p)
	}
	p := Selector(sel, nil, `the pod template labels of Deployment "web"`)
	want := `spec.selector: matchLabels app=web does not match the pod template labels of Deployment "web", which has no label app`
	if p == nil || p.String() != want {
		t.Errorf("got %v, want %s", p, want)
	}
	if p := Selector(nil, nil, "spec.template.metadata.labels"); p == nil || p.Field != "spec.selector" {
		t.Errorf("nil selector: %v", p)
	}
}
