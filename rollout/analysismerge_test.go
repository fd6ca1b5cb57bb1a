package rollout

import (
	"context"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// twoTemplates are the templates mergeRollout's analysis step merges: "http"
// (metric "errors") and "latency" (metric "p99"), declaring args as given.
func twoTemplates(httpArgs, latencyArgs []v1alpha1.Argument) []*v1alpha1.AnalysisTemplate {
	return []*v1alpha1.AnalysisTemplate{
		mergeTemplate("http", "errors", httpArgs),
		mergeTemplate("latency", "p99", latencyArgs),
	}
}

func mergeTemplate(name, metric string, args []v1alpha1.Argument) *v1alpha1.AnalysisTemplate {
	return &v1alpha1.AnalysisTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: v1alpha1.AnalysisTemplateSpec{Args: args, Metrics: []v1alpha1.Metric{{Name: metric,
			Provider: v1alpha1.MetricProvider{Web: &v1alpha1.WebMetric{URL: "http://example.invalid/{{args.service}}"}}}}},
	}
}

// mergeRollout: setWeight 20, then an analysis step that merges the templates
// "http" and "latency", passing them args.
func mergeRollout(passed ...v1alpha1.AnalysisRunArgument) *v1alpha1.Rollout {
	ro := testRollout("web:1")
	w20 := int32(20)
	ro.Spec.Strategy.Canary.Steps = []v1alpha1.CanaryStep{{SetWeight: &w20}, {Analysis: &v1alpha1.RolloutAnalysis{
		Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "http"}, {TemplateName: "latency"}},
		Args:      passed,
	}}}
	return ro
}

// stepRunArgs takes the rollout to its analysis step and returns the args of
// the run it creates there.
func stepRunArgs(t *testing.T, ro *v1alpha1.Rollout, templates []*v1alpha1.AnalysisTemplate) map[string]v1alpha1.Argument {
	t.Helper()
	f := newFixture(t, ro, templates[0], templates[1], service("web-stable"), service("web-canary"))
	f.syncN(3)
	f.setImage("web:2")
	f.syncN(4)
	runs := f.stepRuns("1")
	if len(runs) != 1 {
		t.Fatalf("%d runs at the analysis step, want 1", len(runs))
	}
	out := map[string]v1alpha1.Argument{}
	for _, r := range runs {
		for _, a := range r.Spec.Args {
			out[a.Name] = a
		}
	}
	return out
}

func strArg(name, value string) v1alpha1.Argument {
	return v1alpha1.Argument{Name: name, Value: &value}
}

// TestMergedTemplatesValueFillsMissingArg: one template leaves "service" to the
// caller, the other gives it a value; the merged run has the value (it used
// to end in Error "argument service was not supplied").
func TestMergedTemplatesValueFillsMissingArg(t *testing.T) {
	for _, order := range []string{"declared first", "valued first"} {
		t.Run(order, func(t *testing.T) {
			bare, valued := []v1alpha1.Argument{{Name: "service"}}, []v1alpha1.Argument{strArg("service", "checkout")}
			if order == "valued first" {
				bare, valued = valued, bare
			}
			args := stepRunArgs(t, mergeRollout(), twoTemplates(bare, valued))
			if a := args["service"]; a.Value == nil || *a.Value != "checkout" {
				t.Fatalf("merged run arg service = %+v, want the value checkout", a)
			}
		})
	}
}

// TestMergedTemplatesArgConflictIsInvalidSpec: two templates give "service"
// different values; one of them would measure the other's service, so the
// Rollout is InvalidSpec, naming the analysis, the argument and both templates,
// and no run is created.
func TestMergedTemplatesArgConflictIsInvalidSpec(t *testing.T) {
	templates := twoTemplates([]v1alpha1.Argument{strArg("service", "checkout")}, []v1alpha1.Argument{strArg("service", "payments")})
	f := newFixture(t, mergeRollout(), templates[0], templates[1], service("web-stable"), service("web-canary"))
	f.refresh(context.Background())
	if _, err := f.c.sync(context.Background(), cache.ObjectName{Namespace: "ns", Name: "web"}); !errors.Is(err, errSpecInvalid) {
		t.Fatalf("sync: %v, want InvalidSpec", err)
	}
	c := condition(&f.rollout().Status, v1alpha1.RolloutInvalidSpec)
	for _, want := range []string{"spec.strategy.canary.steps[1].analysis", `argument "service"`, `AnalysisTemplate "http"`, `AnalysisTemplate "latency"`} {
		if c == nil || !strings.Contains(c.Message, want) {
			t.Fatalf("InvalidSpec condition %+v, want a message with %s", c, want)
		}
	}
	if runs := f.stepRuns("1"); len(runs) != 0 {
		t.Errorf("%d runs created", len(runs))
	}
}

// TestRolloutArgOverridesConflictingTemplates: the analysis passes "service";
// its value replaces both templates', so their disagreement does not matter.
func TestRolloutArgOverridesConflictingTemplates(t *testing.T) {
	templates := twoTemplates([]v1alpha1.Argument{strArg("service", "checkout")}, []v1alpha1.Argument{strArg("service", "payments")})
	args := stepRunArgs(t, mergeRollout(v1alpha1.AnalysisRunArgument{Name: "service", Value: "web"}), templates)
	if a := args["service"]; a.Value == nil || *a.Value != "web" {
		t.Fatalf("run arg service = %+v, want the Rollout's value web", a)
	}
}

// TestMergedTemplatesSameArgValueIsFine: two templates that give an argument
// the same value (a Secret reference here) merge without complaint.
func TestMergedTemplatesSameArgValueIsFine(t *testing.T) {
	secret := func() []v1alpha1.Argument {
		return []v1alpha1.Argument{{Name: "service", ValueFrom: &v1alpha1.ValueFrom{SecretKeyRef: &v1alpha1.SecretKeyRef{Name: "s", Key: "k"}}}}
	}
	args := stepRunArgs(t, mergeRollout(), twoTemplates(secret(), secret()))
	if a := args["service"]; a.ValueFrom == nil || a.ValueFrom.SecretKeyRef == nil || a.ValueFrom.SecretKeyRef.Name != "s" {
		t.Fatalf("run arg service = %+v, want the Secret reference", a)
	}
}

// TestMergedTemplatesDuplicateMetricIsInvalidSpec: a metric name in two merged
// templates makes the Rollout InvalidSpec rather than failing every sync.
func TestMergedTemplatesDuplicateMetricIsInvalidSpec(t *testing.T) {
	http, latency := mergeTemplate("http", "errors", nil), mergeTemplate("latency", "errors", nil)
	f := newFixture(t, mergeRollout(), http, latency, service("web-stable"), service("web-canary"))
	f.refresh(context.Background())
	if _, err := f.c.sync(context.Background(), cache.ObjectName{Namespace: "ns", Name: "web"}); !errors.Is(err, errSpecInvalid) {
		t.Fatalf("sync: %v, want InvalidSpec", err)
	}
	c := condition(&f.rollout().Status, v1alpha1.RolloutInvalidSpec)
	if c == nil || !strings.Contains(c.Message, `metric "errors" is defined in both AnalysisTemplate "http" and AnalysisTemplate "latency"`) {
		t.Fatalf("InvalidSpec condition %+v", c)
	}
}
