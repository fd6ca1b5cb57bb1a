package rollout

import (
	"context"
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/trafficrouting/gatewayapi"
	"github.com/sluice-dev/sluice/rollout/trafficrouting/istio"
)

// TestBadInputCatalogue is SPEC §7's controller rows, plus what the fuzzers
// found, as a table. Each row takes a Rollout that is mid-release (paused at
// setWeight 20 of web:2, stable and canary ReplicaSets running, both Services
// pointed)
// and applies a new image together with one bad field. The controller must
// report the exact reason in the InvalidSpec condition and a Warning event
// InvalidSpec, set phase Degraded, and change nothing: no ReplicaSet created or
// scaled, no Service switched.
func TestBadInputCatalogue(t *testing.T) {
	for _, row := range []struct {
		name    string
		edit    func(*v1alpha1.Rollout)
		objects []runtime.Object // created before the bad spec arrives
		routing []runtime.Object // routing objects that exist (VirtualServices, …)
		want    string
	}{
		{
			name: "missing Service",
			edit: func(ro *v1alpha1.Rollout) { ro.Spec.Strategy.Canary.CanaryService = "web-canary-2" },
			want: `spec.strategy.canary.canaryService: Service "web-canary-2" not found`,
		},
		{
			name: "missing VirtualService",
			edit: istioRouted(""),
			want: `spec.strategy.canary.trafficRouting.istio.virtualService.name: VirtualService "web-vs" not found in namespace "ns"`,
		},
		{
			name:    "missing DestinationRule",
			edit:    istioRouted("web-dr"),
			routing: []runtime.Object{routingObject(istio.VirtualServices, "VirtualService", "web-vs")},
			want:    `spec.strategy.canary.trafficRouting.istio.destinationRule.name: DestinationRule "web-dr" not found in namespace "ns"`,
		},
		{
			name: "missing VirtualService route",
			edit: func(ro *v1alpha1.Rollout) {
				istioRouted("")(ro)
				ro.Spec.Strategy.Canary.TrafficRouting.Istio.VirtualService.Routes = []string{"secondary"}
			},
			routing: []runtime.Object{weightedVirtualService()},
			want:    `spec.strategy.canary.trafficRouting: VirtualService ns/web-vs: http route "secondary" not found`,
		},
		{
			name: "missing DestinationRule subset",
			edit: istioRouted("web-dr"),
			routing: []runtime.Object{weightedVirtualService(),
				withSpec(routingObject(istio.DestinationRules, "DestinationRule", "web-dr"), map[string]any{
					"host": "web", "subsets": []any{map[string]any{"name": "stable"}},
				})},
			want: `spec.strategy.canary.trafficRouting: DestinationRule ns/web-dr: subset "canary" not found`,
		},
		{
			name: "missing HTTPRoute",
			edit: func(ro *v1alpha1.Rollout) {
				ro.Spec.Strategy.Canary.TrafficRouting = &v1alpha1.RolloutTrafficRouting{GatewayAPI: &v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "web-route"}}
			},
			want: `spec.strategy.canary.trafficRouting.gatewayAPI: HTTPRoute "web-route" not found in namespace "ns"`,
		},
		{
			name: "missing AnalysisTemplate",
			edit: func(ro *v1alpha1.Rollout) {
				ro.Spec.Strategy.Canary.Steps = append(ro.Spec.Strategy.Canary.Steps, analysisStep("checks"))
			},
			want: `spec.strategy.canary.steps[3].analysis.templates[0]: AnalysisTemplate "checks" not found`,
		},
		{
			name: "header route not in managedRoutes",
			edit: func(ro *v1alpha1.Rollout) {
				istioRouted("")(ro)
				c := ro.Spec.Strategy.Canary
				c.TrafficRouting.ManagedRoutes = []v1alpha1.MangedRoutes{{Name: "beta"}}
				c.Steps = append([]v1alpha1.CanaryStep{{SetHeaderRoute: &v1alpha1.SetHeaderRoute{Name: "preview"}}}, c.Steps...)
			},
			routing: []runtime.Object{routingObject(istio.VirtualServices, "VirtualService", "web-vs")},
			want:    `spec.strategy.canary.steps[0].setHeaderRoute.name: route "preview" is not listed in spec.strategy.canary.trafficRouting.managedRoutes; add {name: preview} there`,
		},
		{
			name: "duplicate metric name across merged templates",
			edit: func(ro *v1alpha1.Rollout) {
				step := analysisStep("errors-a", "errors-b")
				ro.Spec.Strategy.Canary.Steps = append(ro.Spec.Strategy.Canary.Steps, step)
			},
			objects: []runtime.Object{templateWithMetric("errors-a", "error-rate"), templateWithMetric("errors-b", "error-rate")},
			want:    `spec.strategy.canary.steps[3].analysis: metric "error-rate" is defined in both AnalysisTemplate "errors-a" and AnalysisTemplate "errors-b"; metric names must be unique across the templates of one analysis`,
		},
		{
			// Found by FuzzRollout: the schema lets this through, and the
			// planner turned it into a pause of 0.29 s.
			name: "pause longer than a duration holds",
			edit: func(ro *v1alpha1.Rollout) {
				d := intstr.FromString("18446744074")
				ro.Spec.Strategy.Canary.Steps[1].Pause.Duration = &d
			},
			want: `spec.strategy.canary.steps[1].pause.duration: invalid pause duration "18446744074": more than 9223372036 seconds: use seconds ("30" or 30) or a number with s, m or h ("5m")`,
		},
		{
			// Found by FuzzRollout: the schema's CEL rule rejects it, the
			// controller did not.
			name: "negative pause",
			edit: func(ro *v1alpha1.Rollout) {
				d := intstr.FromInt32(-30)
				ro.Spec.Strategy.Canary.Steps[1].Pause.Duration = &d
			},
			want: `spec.strategy.canary.steps[1].pause.duration: invalid pause duration "-30": use seconds ("30" or 30) or a number with s, m or h ("5m")`,
		},
	} {
		t.Run(row.name, func(t *testing.T) {
			f := newFixture(t, testRollout("web:1"), service("web-stable"), service("web-canary"))
			f.c.routing = newStaticRouting(t, row.routing...)
			for range 3 {
				f.sync()
			}
			release := f.rollout()
			release.Spec.Template.Spec.Containers[0].Image = "web:2"
			release.Generation++
			if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(context.Background(), release, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				f.sync()
			}
			before := f.rollout()
			if before.Status.Phase != v1alpha1.RolloutPhasePaused || ptrValue(before.Status.CurrentStepIndex) != 1 {
				t.Fatalf("setup: phase %s at step %d, want Paused at step 1", before.Status.Phase, ptrValue(before.Status.CurrentStepIndex))
			}
			replicas, stable, canary := f.replicasByHash(), f.selects("web-stable"), f.selects("web-canary")
			for _, o := range row.objects {
				createObject(t, f, o)
			}

			ro := before.DeepCopy()
			ro.Spec.Template.Spec.Containers[0].Image = "web:3"
			row.edit(ro)
			ro.Generation++
			if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(context.Background(), ro, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			f.kube.ClearActions()
			f.refresh(context.Background())
			_, err := f.c.sync(context.Background(), cache.ObjectName{Namespace: "ns", Name: "web"})
			if !errors.Is(err, errSpecInvalid) {
				t.Fatalf("sync: %v, want InvalidSpec", err)
			}

			got := f.rollout()
			cond := condition(&got.Status, v1alpha1.RolloutInvalidSpec)
			if cond == nil || cond.Status != "True" || cond.Message != row.want {
				t.Errorf("InvalidSpec condition %+v\nwant message %q", cond, row.want)
			}
			if got.Status.Phase != v1alpha1.RolloutPhaseDegraded {
				t.Errorf("phase %s, want Degraded", got.Status.Phase)
			}
			if event := "Warning InvalidSpec " + row.want; !recorded(f, event) {
				t.Errorf("no event %q", event)
			}
			for _, a := range f.kube.Actions() {
				if writes(a) && (a.GetResource().Resource == "replicasets" || a.GetResource().Resource == "services") {
					t.Errorf("wrote %s %s while the spec is invalid", a.GetVerb(), a.GetResource().Resource)
				}
			}
			if now := f.replicasByHash(); len(now) != len(replicas) || !sameCounts(now, replicas) {
				t.Errorf("ReplicaSets %v, want them unchanged at %v", now, replicas)
			}
			if f.selects("web-stable") != stable || f.selects("web-canary") != canary {
				t.Errorf("Services switched to %s/%s, want %s/%s", f.selects("web-stable"), f.selects("web-canary"), stable, canary)
			}
		})
	}
}

// istioRouted routes the canary through VirtualService web-vs and, when dr is
// set, the DestinationRule dr's subsets.
func istioRouted(dr string) func(*v1alpha1.Rollout) {
	return func(ro *v1alpha1.Rollout) {
		is := &v1alpha1.IstioTrafficRouting{VirtualService: &v1alpha1.IstioVirtualService{Name: "web-vs"}}
		if dr != "" {
			is.DestinationRule = &v1alpha1.IstioDestinationRule{Name: dr, StableSubsetName: "stable", CanarySubsetName: "canary"}
		}
		ro.Spec.Strategy.Canary.TrafficRouting = &v1alpha1.RolloutTrafficRouting{Istio: is}
	}
}

func analysisStep(templates ...string) v1alpha1.CanaryStep {
	a := &v1alpha1.RolloutAnalysis{}
	for _, name := range templates {
		a.Templates = append(a.Templates, v1alpha1.AnalysisTemplateRef{TemplateName: name})
	}
	return v1alpha1.CanaryStep{Analysis: a}
}

func templateWithMetric(name, metric string) *v1alpha1.AnalysisTemplate {
	return &v1alpha1.AnalysisTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: v1alpha1.AnalysisTemplateSpec{Metrics: []v1alpha1.Metric{{
			Name: metric, Provider: v1alpha1.MetricProvider{Web: &v1alpha1.WebMetric{URL: "http://checks/" + name}},
		}}},
	}
}

func createObject(t *testing.T, f *fixture, o runtime.Object) {
	t.Helper()
	switch o := o.(type) {
	case *v1alpha1.AnalysisTemplate:
		if _, err := f.sluice.SluiceV1alpha1().AnalysisTemplates("ns").Create(context.Background(), o, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("createObject: %T not handled", o)
	}
}

// routingObject is an empty routing object (its content is the router's
// business, past the InvalidSpec checks).
func routingObject(gvr schema.GroupVersionResource, kind, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(gvr.GroupVersion().String())
	u.SetKind(kind)
	u.SetNamespace("ns")
	u.SetName(name)
	return u
}

// weightedVirtualService is VirtualService web-vs with one http route, named
// primary, splitting between the stable and canary Services.
func weightedVirtualService() *unstructured.Unstructured {
	dest := func(host string, weight int64) any {
		return map[string]any{"destination": map[string]any{"host": host}, "weight": weight}
	}
	return withSpec(routingObject(istio.VirtualServices, "VirtualService", "web-vs"), map[string]any{
		"http": []any{map[string]any{"name": "primary", "route": []any{dest("web-stable", 100), dest("web-canary", 0)}}},
	})
}

func withSpec(u *unstructured.Unstructured, spec map[string]any) *unstructured.Unstructured {
	u.Object["spec"] = spec
	return u
}

// staticRouting serves fixed caches of routing objects: every kind sluice
// routes with is installed, holding the given objects.
type staticRouting map[schema.GroupVersionResource]cache.GenericLister

func newStaticRouting(t *testing.T, objects ...runtime.Object) staticRouting {
	t.Helper()
	s := staticRouting{}
	indexers := map[schema.GroupVersionResource]cache.Indexer{}
	for _, gvr := range []schema.GroupVersionResource{istio.VirtualServices, istio.DestinationRules, gatewayapi.HTTPRoutes} {
		indexers[gvr] = cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		s[gvr] = cache.NewGenericLister(indexers[gvr], gvr.GroupResource())
	}
	for _, o := range objects {
		u := o.(*unstructured.Unstructured)
		for gvr, indexer := range indexers {
			if gvr.GroupVersion().String() == u.GetAPIVersion() && strings.EqualFold(gvr.Resource, strings.ToLower(u.GetKind())+"s") {
				if err := indexer.Add(u); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return s
}

func (s staticRouting) Lister(gvr schema.GroupVersionResource) (cache.GenericLister, bool) {
	l, ok := s[gvr]
	return l, ok
}

func (s staticRouting) OnChange(func(obj any)) {}

// recorded reports whether the fixture's recorder holds event, draining it.
func recorded(f *fixture, event string) bool {
	events := f.c.recorder.(countingRecorder).EventRecorder.(*record.FakeRecorder).Events
	for {
		select {
		case e := <-events:
			if e == event {
				return true
			}
		default:
			return false
		}
	}
}

func writes(a clienttesting.Action) bool {
	switch a.GetVerb() {
	case "create", "update", "patch", "delete", "delete-collection":
		return true
	}
	return false
}

func sameCounts(a, b map[string]int32) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
