package validation

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// FuzzRollout checks Rollout on two kinds of input.
//
// manifest is YAML or JSON decoded into a Rollout the way a client would send
// it (input that does not decode is skipped): Rollout never panics, every
// Problem names a field under spec and says what is wrong on one line, and a
// pause step it lets through has a duration the planner reads as a
// non-negative time.
//
// build drives a generator of Rollouts that are valid by construction (a
// selector that matches the template, one strategy, two different Services,
// weights 0..100, pause durations the planner reads, header and mirror routes
// listed in managedRoutes, a canary that has pods whenever it gets traffic):
// Rollout reports no problem for any of them.
func FuzzRollout(f *testing.F) {
	for _, seed := range rolloutSeeds {
		f.Add([]byte(seed.manifest), []byte(seed.build))
	}
	f.Fuzz(func(t *testing.T, manifest, build []byte) {
		var ro v1alpha1.Rollout
		if err := yaml.Unmarshal(manifest, &ro); err == nil {
			checkProblems(t, &ro)
		}

		valid := validRollout(&script{data: build})
		if problems := Rollout(valid); len(problems) > 0 {
			out, _ := yaml.Marshal(valid.Spec)
			t.Fatalf("a valid Rollout got problems %v; spec:\n%s", problems, out)
		}
	})
}

// fieldPath is a field path as Problems name them: spec.a.b[2].c.
var fieldPath = regexp.MustCompile(`^spec(\.[a-zA-Z]+(\[[0-9]+\])?)*$`)

// checkProblems checks the shape of every problem of ro, and that a pause
// step without a problem has a duration the planner can wait for.
func checkProblems(t *testing.T, ro *v1alpha1.Rollout) {
	t.Helper()
	problems := Rollout(ro)
	flagged := map[string]bool{}
	for _, p := range problems {
		if !fieldPath.MatchString(p.Field) {
			t.Errorf("problem %q: field %q is not a field path under spec", p, p.Field)
		}
		if strings.TrimSpace(p.Message) == "" || strings.ContainsAny(p.Message, "\n\r") {
			t.Errorf("problem at %s: message %q must be one non-empty line", p.Field, p.Message)
		}
		flagged[p.Field] = true
	}
	if c := ro.Spec.Strategy.Canary; c != nil {
		for i, step := range c.Steps {
			field := fmt.Sprintf("spec.strategy.canary.steps[%d].pause.duration", i)
			if step.Pause == nil || flagged[field] {
				continue
			}
			d, _, err := plan.PauseDuration(step.Pause)
			if err != nil || d < 0 {
				t.Errorf("%s %s: no problem reported, but the planner reads it as %v, %v", field, step.Pause.Duration.String(), d, err)
			}
			if want, ok := schemaDuration(step.Pause.Duration); ok && big.NewInt(int64(d)).Cmp(want) != 0 {
				t.Errorf("%s %s: no problem reported, but the planner waits %v (%d ns), not %s ns", field, step.Pause.Duration.String(), d, int64(d), want)
			}
		}
	}
}

// schemaDuration is, in nanoseconds and without overflow, what a duration in
// the schema's form (an integer, or digits with an s, m or h unit) means.
func schemaDuration(v *intstr.IntOrString) (*big.Int, bool) {
	if v == nil {
		return nil, false
	}
	if v.Type == intstr.Int {
		return new(big.Int).Mul(big.NewInt(int64(v.IntVal)), big.NewInt(int64(time.Second))), true
	}
	m := schemaDurationRE.FindStringSubmatch(strings.TrimSpace(v.StrVal))
	if m == nil {
		return nil, false
	}
	n, _ := new(big.Int).SetString(m[1], 10)
	unit := map[string]time.Duration{"": time.Second, "s": time.Second, "m": time.Minute, "h": time.Hour}[m[2]]
	return n.Mul(n, big.NewInt(int64(unit))), true
}

var schemaDurationRE = regexp.MustCompile(`^([0-9]+)(s|m|h)?$`)

// script reads fuzz bytes as small choices; once they run out every choice is 0.
type script struct {
	data []byte
	at   int
}

func (s *script) next(n int) int {
	defer func() { s.at++ }()
	if s.at >= len(s.data) || n <= 0 {
		return 0
	}
	return int(s.data[s.at]) % n
}

var (
	labelKeys   = []string{"app", "tier", "example.com/team", "version", "a_b.c-d"}
	labelValues = []string{"web", "front", "", "v1", "A-1_b.2"}
)

// validRollout builds a Rollout that is valid by construction from s.
func validRollout(s *script) *v1alpha1.Rollout {
	podLabels := map[string]string{}
	for range 1 + s.next(4) {
		podLabels[labelKeys[s.next(len(labelKeys))]] = labelValues[s.next(len(labelValues))]
	}
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Selector: matchingSelector(s, podLabels)}}
	if s.next(4) == 0 {
		ro.Spec.WorkloadRef = &v1alpha1.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}
	} else {
		ro.Spec.Template = corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web:1"}}},
		}
	}
	if s.next(3) == 0 {
		bg := &v1alpha1.BlueGreenStrategy{ActiveService: "web-active"}
		if s.next(2) == 0 {
			bg.PreviewService = "web-preview"
		}
		ro.Spec.Strategy.BlueGreen = bg
		return ro
	}
	ro.Spec.Strategy.Canary = validCanary(s)
	return ro
}

// matchingSelector selects podLabels by some of their labels, as matchLabels
// or as matchExpressions that hold for them.
func matchingSelector(s *script, podLabels map[string]string) *metav1.LabelSelector {
	sel := &metav1.LabelSelector{}
	for _, key := range sortedKeys(podLabels) {
		value := podLabels[key]
		switch s.next(5) {
		case 0:
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpIn, Values: []string{value, "other"}})
		case 1:
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOpExists})
		case 2:
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: "absent", Operator: metav1.LabelSelectorOpDoesNotExist})
			fallthrough
		default:
			if sel.MatchLabels == nil {
				sel.MatchLabels = map[string]string{}
			}
			sel.MatchLabels[key] = value
		}
	}
	return sel
}

// validCanary builds a canary strategy whose steps are all valid.
func validCanary(s *script) *v1alpha1.CanaryStrategy {
	c := &v1alpha1.CanaryStrategy{}
	routed := s.next(2) == 0
	var routes []string
	if routed {
		c.StableService, c.CanaryService = "web-stable", "web-canary"
		c.TrafficRouting = &v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{
			VirtualService: &v1alpha1.IstioVirtualService{Name: "web"}}}
		for i := range s.next(3) {
			name := fmt.Sprintf("route-%d", i)
			routes = append(routes, name)
			c.TrafficRouting.ManagedRoutes = append(c.TrafficRouting.ManagedRoutes, v1alpha1.MangedRoutes{Name: name})
		}
	} else if s.next(2) == 0 {
		c.StableService, c.CanaryService = "web-stable", "web-canary"
	}
	for range s.next(12) {
		c.Steps = append(c.Steps, validStep(s, routed, routes))
	}
	return c
}

// validStep is one valid step; setCanaryScale never sizes the canary at 0
// pods, so no weight can point at an empty canary.
func validStep(s *script, routed bool, routes []string) v1alpha1.CanaryStep {
	kinds := 2
	if routed {
		kinds = 4
	}
	switch s.next(kinds) {
	case 0:
		w := int32(s.next(101))
		return v1alpha1.CanaryStep{SetWeight: &w}
	case 1:
		pause := &v1alpha1.RolloutPause{}
		n := s.next(100000)
		switch s.next(5) {
		case 0:
			d := intstr.FromInt32(int32(n))
			pause.Duration = &d
		case 1:
			d := intstr.FromString(fmt.Sprint(n))
			pause.Duration = &d
		case 2:
			d := intstr.FromString(fmt.Sprintf("%d%s", n, []string{"s", "m", "h", "ms"}[s.next(4)]))
			pause.Duration = &d
		case 3:
			d := intstr.FromString(fmt.Sprintf(" %dm30s ", n%60))
			pause.Duration = &d
		}
		return v1alpha1.CanaryStep{Pause: pause}
	case 2:
		scale := &v1alpha1.SetCanaryScale{}
		switch s.next(3) {
		case 0:
			r := int32(1 + s.next(10))
			scale.Replicas = &r
		case 1:
			w := int32(1 + s.next(100))
			scale.Weight = &w
		default:
			scale.MatchTrafficWeight = true
		}
		return v1alpha1.CanaryStep{SetCanaryScale: scale}
	default:
		if len(routes) == 0 {
			return v1alpha1.CanaryStep{Pause: &v1alpha1.RolloutPause{}}
		}
		name := routes[s.next(len(routes))]
		if s.next(2) == 0 {
			return v1alpha1.CanaryStep{SetHeaderRoute: &v1alpha1.SetHeaderRoute{Name: name}}
		}
		return v1alpha1.CanaryStep{SetMirrorRoute: &v1alpha1.SetMirrorRoute{Name: name}}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// rolloutSeeds are the Rollouts of validation_test.go as manifests, and a few
// generator scripts.
var rolloutSeeds = []struct{ manifest, build string }{
	{seedCanary, ""},
	{seedCanary + "    blueGreen: {activeService: a}\n", "\x01\x02\x03"},
	{strings.Replace(seedCanary, "canary:\n", "canaryX:\n", 1), "\x00\x00\x00\x01"},
	{strings.Replace(seedCanary, "tier: front", "tier: back", 1), "\x03\x01\x01\x01\x01\x01\x05\x00\x05"},
	{`{"spec":{"selector":{"matchExpressions":[{"key":"tier","operator":"Near"}]},"template":{"metadata":{"labels":{"app":"web"}}},"strategy":{"canary":{}}}}`, "\x02\x04\x01\x00\x00\x00\x00\x0b\x01\x00\x02\x00\x03\x00"},
	{`{"spec":{"selector":{},"template":{"metadata":{"labels":{"app":"web"}}},"strategy":{"canary":{}}}}`, ""},
	{`{"spec":{"strategy":{"blueGreen":{"activeService":"web","previewService":"web"}}}}`, ""},
	{seedCanary + "      steps:\n      - pause: {duration: 5m}\n      - pause: {duration: soon}\n      - pause: {duration: \"-5\"}\n      - pause: {duration: \"9999999999999\"}\n      - pause: {duration: \"18446744074\"}\n      - pause: {duration: 2147483647}\n", ""},
	{seedCanary + "      trafficRouting: {managedRoutes: [{name: beta}]}\n      stableService: s\n      canaryService: c\n      steps:\n      - setHeaderRoute: {name: beta}\n      - setMirrorRoute: {name: shadow}\n", ""},
	{seedCanary + "      steps:\n      - setCanaryScale: {replicas: 0}\n      - pause: {duration: 10}\n      - setWeight: 20\n", ""},
	{seedCanary + "      steps:\n      - setWeight: 40\n      - setCanaryScale: {replicas: 0}\n      - setWeight: 0\n", ""},
	{seedCanary + "      trafficRouting: {istio: {virtualService: {name: v}}}\n      stableService: a\n      canaryService: a\n", ""},
}

const seedCanary = `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: web, image: "web:1"}]}
  strategy:
    canary:
`
