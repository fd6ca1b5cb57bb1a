//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestIstioExampleSendsBetaTestersToACanaryPod applies
// manifests/examples/istio-canary.yaml as shipped (in the test's namespace),
// releases a new image, and looks at what the pause meant for beta testers
// gives them: a canary with a ready pod, and the VirtualService routing
// requests with x-beta: true to the canary host ahead of the weighted route,
// which still sends everything else to stable. Promoted, the rollout goes on to
// its first weight with the header route kept.
func TestIstioExampleSendsBetaTestersToACanaryPod(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	manifest, err := os.ReadFile("../../manifests/examples/istio-canary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.Apply(string(manifest))
	first := f.WaitForPhase("shop", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	betaPause, route, weightPause := betaTesterSteps(t, first.Spec.Strategy.Canary)

	f.SetImage("shop", "ghcr.io/example/shop:2.4.0")
	ro := f.WaitForPausedAtStep("shop", betaPause, 60*time.Second)
	canary := ro.Status.CurrentPodHash
	f.Eventually("the canary has a ready pod for the beta testers", 30*time.Second, func() (bool, string) {
		rs := f.ReplicaSets("shop")[canary]
		if rs == nil {
			return false, "no canary ReplicaSet"
		}
		return rs.Status.ReadyReplicas >= 1, fmt.Sprintf("%d ready", rs.Status.ReadyReplicas)
	})
	f.Eventually("the header route sends beta testers to the canary host", 30*time.Second, func() (bool, string) {
		problem := headerRouteProblem(f.object(virtualServices, "shop"), route, first.Spec.Strategy.Canary.CanaryService)
		return problem == "", problem
	})
	weights := func() map[string]int64 { return f.routeWeights("shop", "http", "primary", 0) }
	f.waitWeights("everyone else on stable", weights, map[string]int64{"shop-stable": 100, "shop-canary": 0})

	f.Promote("shop")
	f.WaitForPausedAtStep("shop", weightPause.index, 60*time.Second)
	f.waitWeights(fmt.Sprintf("weight %d after the beta pause", weightPause.weight), weights,
		map[string]int64{"shop-canary": int64(weightPause.weight), "shop-stable": int64(100 - weightPause.weight)})
	if problem := headerRouteProblem(f.object(virtualServices, "shop"), route, first.Spec.Strategy.Canary.CanaryService); problem != "" {
		t.Errorf("the header route went away at the first weight: %s", problem)
	}
}

// weightedPause is a pause step reached at a weight.
type weightedPause struct {
	index  int32
	weight int32
}

// betaTesterSteps reads the example's steps: the indefinite pause after its
// setHeaderRoute (the beta testers' pause), the route that step sets, and the
// first pause after a setWeight that follows, with that weight.
func betaTesterSteps(t *testing.T, c *v1alpha1.CanaryStrategy) (int32, v1alpha1.SetHeaderRoute, weightedPause) {
	t.Helper()
	var route *v1alpha1.SetHeaderRoute
	betaPause, weight := int32(-1), int32(-1)
	for i, step := range c.Steps {
		switch {
		case step.SetHeaderRoute != nil && route == nil:
			route = step.SetHeaderRoute
		case step.Pause != nil && step.Pause.Duration == nil && route != nil && betaPause < 0:
			betaPause = int32(i)
		case step.SetWeight != nil && betaPause >= 0 && weight < 0:
			weight = *step.SetWeight
		case step.Pause != nil && weight >= 0:
			return betaPause, *route, weightedPause{int32(i), weight}
		}
	}
	t.Fatalf("the example has no setHeaderRoute, then an indefinite pause, then a setWeight and a pause: %+v", c.Steps)
	return 0, v1alpha1.SetHeaderRoute{}, weightedPause{}
}

// headerRouteProblem says how the VirtualService's first HTTP route falls short
// of the header route a step sets ("" when it does not): it must be named after
// the managed route, match the header exactly and send everything to the
// canary Service's host.
func headerRouteProblem(vs *unstructured.Unstructured, route v1alpha1.SetHeaderRoute, canaryHost string) string {
	http, _, _ := unstructured.NestedSlice(vs.Object, "spec", "http")
	if len(http) == 0 {
		return "no HTTP routes"
	}
	first, _ := http[0].(map[string]any)
	raw, _ := json.Marshal(first)
	if first["name"] != route.Name {
		return fmt.Sprintf("first HTTP route is %s, want the header route %q", raw, route.Name)
	}
	match := route.Match[0]
	matches, _, _ := unstructured.NestedSlice(first, "match")
	if len(matches) == 0 {
		return fmt.Sprintf("header route without a match: %s", raw)
	}
	got, _, _ := unstructured.NestedString(matches[0].(map[string]any), "headers", match.HeaderName, "exact")
	if got != match.HeaderValue.Exact {
		return fmt.Sprintf("header route matches %s=%q, want %q: %s", match.HeaderName, got, match.HeaderValue.Exact, raw)
	}
	dests, _, _ := unstructured.NestedSlice(first, "route")
	if len(dests) != 1 {
		return fmt.Sprintf("header route has %d destinations, want the canary alone: %s", len(dests), raw)
	}
	host, _, _ := unstructured.NestedString(dests[0].(map[string]any), "destination", "host")
	if host != canaryHost {
		return fmt.Sprintf("header route goes to %q, want the canary host %s: %s", host, canaryHost, raw)
	}
	return ""
}
