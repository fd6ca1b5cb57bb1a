package gatewayapi

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/trafficrouting"
)

func baselineRollout(managed ...string) *v1alpha1.Rollout {
	ro := gatewayRollout(&v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "web"}, managed...)
	ro.Spec.Strategy.Canary.Baseline = &v1alpha1.CanaryBaseline{}
	ro.Spec.Strategy.Canary.BaselineService = "web-baseline"
	return ro
}

func baselineState(w, b int32) trafficrouting.State {
	return trafficrouting.State{CanaryWeight: w, BaselineWeight: b, StableHash: "s1", CanaryHash: "c1", BaselineHash: "b1"}
}

// backends lists a rule's backendRefs as "name:port=weight", in order.
func backends(rule any) []string {
	var out []string
	refs, _ := rule.(map[string]any)["backendRefs"].([]any)
	for _, raw := range refs {
		ref := raw.(map[string]any)
		name, _ := ref["name"].(string)
		port, _ := ref["port"].(int64)
		w, _ := ref["weight"].(int64)
		out = append(out, name+":"+strconv.FormatInt(port, 10)+"="+strconv.FormatInt(w, 10))
	}
	return out
}

const baselineRoute = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: gw}]
  x-future: {kept: [1, 2]}
  rules:
  - backendRefs:
    - {name: web-stable, port: 80, weight: 100}
    - {name: web-canary, port: 8080, weight: 0, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-side, value: canary}]}}]}
  - matches: [{path: {type: PathPrefix, value: /static}}]
    backendRefs:
    - {name: static, port: 8080}
`

// TestGatewayBaselineThroughARelease applies a release's traffic step by step
// to the HTTPRoute as the API server stored it: a backendRef to the
// baselineService on the canary's port comes with the baseline's first share,
// follows it, and goes at 0, the weights summing to 100 each time; the rule
// the router does not weight, and the spec at the end, are as written.
func TestGatewayBaselineThroughARelease(t *testing.T) {
	steps := []struct {
		state trafficrouting.State
		want  []string
	}{
		{baselineState(0, 0), []string{"web-stable:80=100", "web-canary:8080=0"}},
		{baselineState(10, 10), []string{"web-stable:80=80", "web-canary:8080=10", "web-baseline:8080=10"}},
		{baselineState(40, 40), []string{"web-stable:80=20", "web-canary:8080=40", "web-baseline:8080=40"}},
		{baselineState(50, 50), []string{"web-stable:80=0", "web-canary:8080=50", "web-baseline:8080=50"}},
		{baselineState(50, 0), []string{"web-stable:80=50", "web-canary:8080=50"}},
		{baselineState(0, 0), []string{"web-stable:80=100", "web-canary:8080=0"}},
	}
	stored := served(t, parse(t, baselineRoute))
	for i, step := range steps {
		client, err := applyTo(t, baselineRollout(), step.state, stored)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if n := updateCount(client); n > 1 {
			t.Errorf("step %d: %d updates, want at most one", i, n)
		}
		stored = served(t, fetch(t, client, "shop", "web"))
		rs := rules(stored)
		if diff := cmp.Diff(step.want, backends(rs[0])); diff != "" {
			t.Errorf("step %d (canary %d, baseline %d) backendRefs (-want +got):\n%s", i, step.state.CanaryWeight, step.state.BaselineWeight, diff)
		}
		var sum int64
		for _, raw := range rs[0].(map[string]any)["backendRefs"].([]any) {
			sum += raw.(map[string]any)["weight"].(int64)
		}
		if sum != 100 {
			t.Errorf("step %d: weights sum to %d", i, sum)
		}
		if got := backends(rs[1]); !slices.Equal(got, []string{"static:8080=1"}) {
			t.Errorf("step %d: the unrelated rule changed: %v", i, got)
		}
		if refs := rs[0].(map[string]any)["backendRefs"].([]any); i == 1 && len(refs) == 3 {
			// The added backendRef: the baselineService, referred to as the
			// canary is, without the canary's filters.
			if got, want := mustJSON(refs[2]), `{"group":"","kind":"Service","name":"web-baseline","port":8080,"weight":10}`; got != want {
				t.Errorf("baseline backendRef\n got %s\nwant %s", got, want)
			}
		}
	}
	if diff := cmp.Diff(mustJSON(served(t, parse(t, baselineRoute)).Object["spec"]), mustJSON(stored.Object["spec"])); diff != "" {
		t.Errorf("spec after the baseline left (-want +got):\n%s", diff)
	}
}

// TestGatewayBaselineTheUserWrote: a backendRef to the baselineService in a
// weighted rule is weighted in place, its other fields kept, and removed at 0.
func TestGatewayBaselineTheUserWrote(t *testing.T) {
	manifest := strings.Replace(baselineRoute, "  - matches: [{path: {type: PathPrefix, value: /static}}]\n",
		"    - {name: web-baseline, port: 9090, weight: 0, filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-side, value: baseline}]}}]}\n  - matches: [{path: {type: PathPrefix, value: /static}}]\n", 1)
	client, err := applyTo(t, baselineRollout(), baselineState(20, 20), served(t, parse(t, manifest)))
	if err != nil {
		t.Fatal(err)
	}
	got := served(t, fetch(t, client, "shop", "web"))
	refs := rules(got)[0].(map[string]any)["backendRefs"].([]any)
	want := `{"filters":[{"requestHeaderModifier":{"set":[{"name":"x-side","value":"baseline"}]},"type":"RequestHeaderModifier"}],"group":"","kind":"Service","name":"web-baseline","port":9090,"weight":20}`
	if len(refs) != 3 || mustJSON(refs[2]) != want {
		t.Errorf("backendRefs %s, want the user's baseline backendRef in place as %s", mustJSON(refs), want)
	}
	client, err = applyTo(t, baselineRollout(), baselineState(20, 0), got)
	if err != nil {
		t.Fatal(err)
	}
	if got := backends(rules(fetch(t, client, "shop", "web"))[0]); !slices.Equal(got, []string{"web-stable:80=80", "web-canary:8080=20"}) {
		t.Errorf("backendRefs at baseline 0: %v", got)
	}
}

// TestGatewayHeaderAndMirrorRulesWithABaseline: the header rule goes to the
// canary alone and the mirror copies to the canary alone; the mirror rule
// serves as the weighted rule does, baseline included.
func TestGatewayHeaderAndMirrorRulesWithABaseline(t *testing.T) {
	s := baselineState(10, 10)
	s.HeaderRoutes = []v1alpha1.SetHeaderRoute{{Name: "beta", Match: []v1alpha1.HeaderRoutingMatch{{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}}}}
	s.MirrorRoutes = []v1alpha1.SetMirrorRoute{{Name: "shadow", Match: []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Prefix: "/api"}}}}}
	client, err := applyTo(t, baselineRollout("beta", "shadow"), s, served(t, parse(t, route)))
	if err != nil {
		t.Fatal(err)
	}
	rs := rules(fetch(t, client, "shop", "web"))
	if len(rs) != 4 {
		t.Fatalf("rules %s", mustJSON(rs))
	}
	if got := backends(rs[0]); !slices.Equal(got, []string{"web-canary:80=1"}) {
		t.Errorf("header rule backendRefs %v, want the canary alone", got)
	}
	mirror := mustJSON(rs[1].(map[string]any)["filters"])
	if !strings.Contains(mirror, `"backendRef":{"group":"","kind":"Service","name":"web-canary","port":80}`) {
		t.Errorf("mirror filter %s, want it to copy to the canary", mirror)
	}
	weighted := []string{"web-stable:80=80", "web-canary:80=10", "web-baseline:80=10"}
	if got := backends(rs[1]); !slices.Equal(got, weighted) {
		t.Errorf("mirror rule backendRefs %v, want the weighted rule's %v", got, weighted)
	}
	if got := backends(rs[2]); !slices.Equal(got, weighted) {
		t.Errorf("weighted rule backendRefs %v", got)
	}
}

// TestGatewayBaselineErrorsWriteNothing: states and shapes the router cannot
// weight safely are errors naming the problem, with nothing written.
func TestGatewayBaselineErrorsWriteNothing(t *testing.T) {
	twoBaselines := strings.Replace(route, "    - {name: web-canary, port: 80, weight: 0}\n",
		"    - {name: web-canary, port: 80, weight: 0}\n    - {name: web-baseline, port: 80}\n    - {name: web-baseline, port: 81}\n", 1)
	noService := baselineRollout()
	noService.Spec.Strategy.Canary.BaselineService = ""
	tests := []struct {
		name, manifest string
		ro             *v1alpha1.Rollout
		state          trafficrouting.State
		want           string
	}{
		{"two backendRefs to the baselineService", twoBaselines, baselineRollout(), baselineState(10, 10),
			`HTTPRoute shop/web: a rule naming both Services has 2 backendRefs to the baselineService "web-baseline", want at most one`},
		{"a baseline share without a baselineService", route, noService, baselineState(10, 10),
			"a baseline weight of 10 needs spec.strategy.canary.baselineService"},
		{"shares over 100", route, baselineRollout(), baselineState(60, 50),
			"refusing weights canary 60%, baseline 50%, stable -10%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, err := applyTo(t, tt.ro, tt.state, parse(t, tt.manifest))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
			if n := updateCount(client); n > 0 {
				t.Errorf("%d updates although the state could not be applied", n)
			}
		})
	}
}

// TestGatewayNoUpdateOnceTheBaselineIsCarried: the same state with a baseline
// share, applied again to what the API server stored, writes nothing.
func TestGatewayNoUpdateOnceTheBaselineIsCarried(t *testing.T) {
	stored := served(t, parse(t, baselineRoute))
	for i := range 3 {
		client, err := applyTo(t, baselineRollout(), baselineState(30, 30), stored)
		if err != nil {
			t.Fatal(err)
		}
		if n := updateCount(client); i > 0 && n > 0 {
			t.Fatalf("apply %d of the same state wrote again", i+1)
		}
		stored = served(t, fetch(t, client, "shop", "web"))
	}
}
