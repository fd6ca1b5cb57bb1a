package istio

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/trafficrouting"
)

// withBaseline is a Rollout of the given routing that runs a baseline behind
// the Service web-baseline.
func withBaseline(routing *v1alpha1.RolloutTrafficRouting) *v1alpha1.Rollout {
	ro := rollout(routing)
	ro.Spec.Strategy.Canary.Baseline = &v1alpha1.CanaryBaseline{}
	ro.Spec.Strategy.Canary.BaselineService = "web-baseline"
	return ro
}

// baselineState is the traffic of a canary at w% with its baseline at b%.
func baselineState(w, b int32) trafficrouting.State {
	return trafficrouting.State{CanaryWeight: w, BaselineWeight: b, StableHash: "s1", CanaryHash: "c1", BaselineHash: "b1"}
}

// destinations lists a route's destinations as "host[/subset]=weight", in order.
func destinations(route any) []string {
	var out []string
	dests, _ := route.(map[string]any)["route"].([]any)
	for _, raw := range dests {
		d := raw.(map[string]any)
		dest := d["destination"].(map[string]any)
		name, _ := dest["host"].(string)
		if subset, _ := dest["subset"].(string); subset != "" {
			name += "/" + subset
		}
		w, _ := d["weight"].(int64)
		out = append(out, name+"="+strconv.FormatInt(w, 10))
	}
	return out
}

// sumOfWeights adds up a route's destination weights.
func sumOfWeights(route any) int64 {
	var sum int64
	dests, _ := route.(map[string]any)["route"].([]any)
	for _, raw := range dests {
		w, _ := raw.(map[string]any)["weight"].(int64)
		sum += w
	}
	return sum
}

// TestBaselineShareThroughARelease applies the traffic of a release with a
// baseline step by step, each to the object as the previous step left it (as
// the API server returns it): the baseline's destination comes with its first
// share, follows the canary's, and goes at 0, the shares summing to 100 at
// every write; at the end the route is as the user wrote it.
func TestBaselineShareThroughARelease(t *testing.T) {
	subsetWithPort := strings.NewReplacer(
		"destination: {host: web, subset: stable}", "destination: {host: web.shop.svc.cluster.local, subset: stable, port: {number: 8080}}",
		"destination: {host: web, subset: canary}", "destination: {host: web.shop.svc.cluster.local, subset: canary, port: {number: 8080}}").Replace(subsetVS)
	steps := []trafficrouting.State{baselineState(0, 0), baselineState(10, 10), baselineState(30, 30), baselineState(50, 50), baselineState(50, 0), baselineState(0, 0)}
	tests := []struct {
		name    string
		routing *v1alpha1.RolloutTrafficRouting
		objects []string
		route   int        // the weighted http route
		want    [][]string // destinations after each step
	}{
		{name: "host split: the baseline's host qualified as the canary's", routing: vsRef("web", "primary"), objects: []string{hostSplit},
			want: [][]string{
				{"web-stable=100", "web-canary.shop.svc.cluster.local=0"},
				{"web-stable=80", "web-canary.shop.svc.cluster.local=10", "web-baseline.shop.svc.cluster.local=10"},
				{"web-stable=40", "web-canary.shop.svc.cluster.local=30", "web-baseline.shop.svc.cluster.local=30"},
				{"web-stable=0", "web-canary.shop.svc.cluster.local=50", "web-baseline.shop.svc.cluster.local=50"},
				{"web-stable=50", "web-canary.shop.svc.cluster.local=50"},
				{"web-stable=100", "web-canary.shop.svc.cluster.local=0"},
			}},
		{name: "host split: short hosts stay short", routing: vsRef("web", "primary"),
			objects: []string{strings.Replace(hostSplit, "web-canary.shop.svc.cluster.local", "web-canary", 1)},
			want: [][]string{
				{"web-stable=100", "web-canary=0"},
				{"web-stable=80", "web-canary=10", "web-baseline=10"},
				{"web-stable=40", "web-canary=30", "web-baseline=30"},
				{"web-stable=0", "web-canary=50", "web-baseline=50"},
				{"web-stable=50", "web-canary=50"},
				{"web-stable=100", "web-canary=0"},
			}},
		{name: "subset split: the baseline by its Service, without a subset", routing: subsetRouting(), objects: []string{subsetVS, subsetRule},
			want: [][]string{
				{"web/stable=100", "web/canary=0"},
				{"web/stable=80", "web/canary=10", "web-baseline=10"},
				{"web/stable=40", "web/canary=30", "web-baseline=30"},
				{"web/stable=0", "web/canary=50", "web-baseline=50"},
				{"web/stable=50", "web/canary=50"},
				{"web/stable=100", "web/canary=0"},
			}},
		{name: "subset split with a qualified host and a port", routing: subsetRouting(), objects: []string{subsetWithPort, subsetRule},
			want: [][]string{
				{"web.shop.svc.cluster.local/stable=100", "web.shop.svc.cluster.local/canary=0"},
				{"web.shop.svc.cluster.local/stable=80", "web.shop.svc.cluster.local/canary=10", "web-baseline.shop.svc.cluster.local=10"},
				{"web.shop.svc.cluster.local/stable=40", "web.shop.svc.cluster.local/canary=30", "web-baseline.shop.svc.cluster.local=30"},
				{"web.shop.svc.cluster.local/stable=0", "web.shop.svc.cluster.local/canary=50", "web-baseline.shop.svc.cluster.local=50"},
				{"web.shop.svc.cluster.local/stable=50", "web.shop.svc.cluster.local/canary=50"},
				{"web.shop.svc.cluster.local/stable=100", "web.shop.svc.cluster.local/canary=0"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var current []*unstructured.Unstructured
			for _, m := range tt.objects {
				current = append(current, object(t, m))
			}
			before := current[0].DeepCopy()
			for i, s := range steps {
				r, client, get := setup(t, withBaseline(tt.routing), current...)
				if err := r.Apply(context.Background(), s); err != nil {
					t.Fatalf("step %d (canary %d, baseline %d): %v", i, s.CanaryWeight, s.BaselineWeight, err)
				}
				if n := len(slices.DeleteFunc(updates(client), func(u string) bool { return u != "virtualservices" })); n != 1 {
					t.Errorf("step %d: %d VirtualService updates, want one", i, n)
				}
				vs := roundTrip(t, get(VirtualServices, "web"))
				route := httpRoutes(vs)[tt.route]
				if diff := cmp.Diff(tt.want[i], destinations(route)); diff != "" {
					t.Errorf("step %d (canary %d, baseline %d) destinations (-want +got):\n%s", i, s.CanaryWeight, s.BaselineWeight, diff)
				}
				if sum := sumOfWeights(route); sum != 100 {
					t.Errorf("step %d: weights sum to %d", i, sum)
				}
				current[0] = vs
				if len(current) > 1 {
					current[1] = roundTrip(t, get(DestinationRules, "web"))
				}
			}
			// Back at the first step's weights, everything but them and the
			// annotation is as the user wrote it.
			want := before.DeepCopy()
			http := httpRoutes(want)
			setDestWeights(http[tt.route], 100, 0)
			_ = unstructured.SetNestedSlice(want.Object, http, "spec", "http")
			if diff := cmp.Diff(mustJSON(want.Object["spec"]), mustJSON(current[0].Object["spec"])); diff != "" {
				t.Errorf("spec after the baseline left (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBaselineDestinationCarriesTheCanarysPort: the added destination is the
// baselineService on the canary's port.
func TestBaselineDestinationCarriesTheCanarysPort(t *testing.T) {
	manifest := strings.NewReplacer("{host: web-stable}", "{host: web-stable, port: {number: 80}}",
		"{host: web-canary.shop.svc.cluster.local}", "{host: web-canary.shop.svc.cluster.local, port: {number: 80}, x-future-dest: 1}").Replace(hostSplit)
	r, _, get := setup(t, withBaseline(vsRef("web", "primary")), object(t, manifest))
	if err := r.Apply(context.Background(), baselineState(20, 20)); err != nil {
		t.Fatal(err)
	}
	dests := httpRoutes(get(VirtualServices, "web"))[0].(map[string]any)["route"].([]any)
	want := `{"destination":{"host":"web-baseline.shop.svc.cluster.local","port":{"number":80}},"weight":20}`
	if len(dests) != 3 || mustJSON(dests[2]) != want {
		t.Errorf("destinations %s, want the third to be %s", mustJSON(dests), want)
	}
}

// TestBaselineDestinationTheUserWrote: a route that already sends to the
// baselineService has that destination weighted in place, its other fields
// kept, and removed when the baseline's share is 0.
func TestBaselineDestinationTheUserWrote(t *testing.T) {
	manifest := strings.Replace(hostSplit, "      weight: 0\n", `      weight: 0
    - destination: {host: web-baseline, port: {number: 80}}
      headers: {request: {set: {x-side: baseline}}}
`, 1)
	r, _, get := setup(t, withBaseline(vsRef("web", "primary")), object(t, manifest))
	if err := r.Apply(context.Background(), baselineState(25, 25)); err != nil {
		t.Fatal(err)
	}
	vs := roundTrip(t, get(VirtualServices, "web"))
	dests := httpRoutes(vs)[0].(map[string]any)["route"].([]any)
	want := `{"destination":{"host":"web-baseline","port":{"number":80}},"headers":{"request":{"set":{"x-side":"baseline"}}},"weight":25}`
	if len(dests) != 3 || mustJSON(dests[2]) != want {
		t.Errorf("destinations %s, want the user's baseline destination in place as %s", mustJSON(dests), want)
	}
	if got := destinations(httpRoutes(vs)[0]); !slices.Equal(got, []string{"web-stable=50", "web-canary.shop.svc.cluster.local=25", "web-baseline=25"}) {
		t.Errorf("destinations %v", got)
	}
	r, _, get = setup(t, withBaseline(vsRef("web", "primary")), vs)
	if err := r.Apply(context.Background(), baselineState(25, 0)); err != nil {
		t.Fatal(err)
	}
	if got := destinations(httpRoutes(get(VirtualServices, "web"))[0]); !slices.Equal(got, []string{"web-stable=75", "web-canary.shop.svc.cluster.local=25"}) {
		t.Errorf("destinations at baseline 0: %v", got)
	}
}

// TestHeaderAndMirrorRoutesWithABaseline: a header route sends to the canary
// alone and a mirror route copies to the canary alone; the mirror route serves
// its requests as the weighted route does, baseline included.
func TestHeaderAndMirrorRoutesWithABaseline(t *testing.T) {
	routing := vsRef("web", "primary")
	routing.ManagedRoutes = []v1alpha1.MangedRoutes{{Name: "beta"}, {Name: "shadow"}}
	r, _, get := setup(t, withBaseline(routing), object(t, hostSplit))
	s := baselineState(10, 10)
	s.HeaderRoutes = []v1alpha1.SetHeaderRoute{{Name: "beta", Match: []v1alpha1.HeaderRoutingMatch{{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}}}}
	s.MirrorRoutes = []v1alpha1.SetMirrorRoute{{Name: "shadow", Match: []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Prefix: "/api"}}}}}
	if err := r.Apply(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	http := httpRoutes(get(VirtualServices, "web"))
	if len(http) != 4 {
		t.Fatalf("routes %s", mustJSON(http))
	}
	if got := destinations(http[0]); !slices.Equal(got, []string{"web-canary.shop.svc.cluster.local=100"}) {
		t.Errorf("header route destinations %v, want the canary alone", got)
	}
	shadow := http[1].(map[string]any)
	if got := mustJSON(shadow["mirror"]); got != `{"host":"web-canary.shop.svc.cluster.local"}` {
		t.Errorf("mirror %s, want the canary", got)
	}
	weighted := []string{"web-stable=80", "web-canary.shop.svc.cluster.local=10", "web-baseline.shop.svc.cluster.local=10"}
	if got := destinations(shadow); !slices.Equal(got, weighted) {
		t.Errorf("mirror route destinations %v, want the weighted route's %v", got, weighted)
	}
	if got := destinations(http[2]); !slices.Equal(got, weighted) {
		t.Errorf("weighted route destinations %v", got)
	}
}

// TestTLSAndTCPRoutesCarryTheBaseline: every weighted route gives the stable
// side what the canary and the baseline leave, TLS and TCP ones too.
func TestTLSAndTCPRoutesCarryTheBaseline(t *testing.T) {
	manifest := `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  tls:
  - match: [{port: 443, sniHosts: [web.example]}]
    route:
    - destination: {host: web-stable, port: {number: 443}}
      weight: 100
    - destination: {host: web-canary, port: {number: 443}}
  tcp:
  - match: [{port: 5432}]
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
`
	ro := withBaseline(&v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{VirtualService: &v1alpha1.IstioVirtualService{
		Name: "web", TLSRoutes: []v1alpha1.TLSRoute{{Port: 443}}, TCPRoutes: []v1alpha1.TCPRoute{{Port: 5432}},
	}}})
	r, _, get := setup(t, ro, object(t, manifest))
	if err := r.Apply(context.Background(), baselineState(15, 15)); err != nil {
		t.Fatal(err)
	}
	vs := get(VirtualServices, "web")
	tls, _, _ := unstructured.NestedSlice(vs.Object, "spec", "tls")
	tcp, _, _ := unstructured.NestedSlice(vs.Object, "spec", "tcp")
	if got, want := mustJSON(tls[0].(map[string]any)["route"]), `[{"destination":{"host":"web-stable","port":{"number":443}},"weight":70},{"destination":{"host":"web-canary","port":{"number":443}},"weight":15},{"destination":{"host":"web-baseline","port":{"number":443}},"weight":15}]`; got != want {
		t.Errorf("tls route\n got %s\nwant %s", got, want)
	}
	if got := destinations(tcp[0]); !slices.Equal(got, []string{"web-stable=70", "web-canary=15", "web-baseline=15"}) {
		t.Errorf("tcp route %v", got)
	}
}

// TestBaselineErrorsWriteNothing: shapes and states the router cannot weight
// safely are errors naming the problem, with nothing written.
func TestBaselineErrorsWriteNothing(t *testing.T) {
	twoBaselines := strings.Replace(hostSplit, "      weight: 0\n", "      weight: 0\n    - destination: {host: web-baseline}\n    - destination: {host: web-baseline.shop.svc.cluster.local}\n", 1)
	subsetOnBaselineHost := strings.Replace(subsetVS, "{host: web, subset: canary}", "{host: web-baseline, subset: canary}", 1)
	unknownBesides := strings.Replace(hostSplit, "      weight: 0\n", "      weight: 0\n    - destination: {host: web-baseline}\n    - destination: {host: other}\n", 1)
	noService := withBaseline(vsRef("web", "primary"))
	noService.Spec.Strategy.Canary.BaselineService = ""
	tests := []struct {
		name    string
		ro      *v1alpha1.Rollout
		objects []string
		state   trafficrouting.State
		want    string
	}{
		{"two destinations to the baselineService", withBaseline(vsRef("web", "primary")), []string{twoBaselines}, baselineState(10, 10),
			`http route "primary": has two destinations to the baselineService "web-baseline", want at most one`},
		{"a third destination besides the baseline", withBaseline(vsRef("web", "primary")), []string{unknownBesides}, baselineState(10, 10),
			`http route "primary": has 3 destinations besides the baseline, want exactly the stable and the canary`},
		{"a subset through the baselineService's host", withBaseline(subsetRouting()), []string{subsetOnBaselineHost, subsetRule}, baselineState(10, 10),
			`sends the canary subset through the baselineService "web-baseline"; the baseline needs a Service of its own`},
		{"a baseline share without a baselineService", noService, []string{hostSplit}, baselineState(10, 10),
			"a baseline weight of 10 needs spec.strategy.canary.baselineService"},
		{"shares over 100", withBaseline(vsRef("web", "primary")), []string{hostSplit}, baselineState(60, 50),
			"refusing weights canary 60%, baseline 50%, stable -10%: the stable's is outside 0..100"},
		{"a negative share", withBaseline(vsRef("web", "primary")), []string{hostSplit}, baselineState(10, -5),
			"the baseline's is outside 0..100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []*unstructured.Unstructured
			for _, m := range tt.objects {
				objs = append(objs, object(t, m))
			}
			r, client, _ := setup(t, tt.ro, objs...)
			err := r.Apply(context.Background(), tt.state)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
			if u := updates(client); slices.Contains(u, "virtualservices") {
				t.Errorf("wrote %v although the state could not be applied", u)
			}
		})
	}
}

// TestCheckWithABaseline: Check accepts a route that carries the baseline's
// destination (as it does mid-release, when a restarted controller checks it)
// and finds a subset routed through the baselineService before anything moves.
func TestCheckWithABaseline(t *testing.T) {
	carrying := strings.Replace(hostSplit, "      weight: 0\n", "      weight: 10\n    - destination: {host: web-baseline.shop.svc.cluster.local}\n      weight: 10\n", 1)
	tests := []struct {
		name    string
		ro      *v1alpha1.Rollout
		objects []string
		want    string // "" for no problem
	}{
		{"a route carrying the baseline", withBaseline(vsRef("web", "primary")), []string{carrying}, ""},
		{"a route without it yet", withBaseline(vsRef("web", "primary")), []string{hostSplit}, ""},
		{"subset split", withBaseline(subsetRouting()), []string{subsetVS, subsetRule}, ""},
		{"a subset through the baselineService's host", withBaseline(subsetRouting()),
			[]string{strings.Replace(subsetVS, "{host: web, subset: stable}", "{host: web-baseline, subset: stable}", 1), subsetRule},
			`sends the stable subset through the baselineService "web-baseline"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []*unstructured.Unstructured
			for _, m := range tt.objects {
				objs = append(objs, object(t, m))
			}
			r, client, _ := setup(t, tt.ro, objs...)
			err := r.Check()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Check: %v, want it to say %q", err, tt.want)
			}
			if u := updates(client); len(u) > 0 {
				t.Errorf("Check wrote %v", u)
			}
		})
	}
}

// TestNoUpdateOnceTheBaselineIsCarried: a state with a baseline share applied
// again to what the first apply stored writes nothing.
func TestNoUpdateOnceTheBaselineIsCarried(t *testing.T) {
	for _, tt := range []struct {
		name    string
		routing *v1alpha1.RolloutTrafficRouting
		objects []string
	}{
		{"host split", vsRef("web", "primary"), []string{hostSplit}},
		{"subset split", subsetRouting(), []string{subsetVS, subsetRule}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var objs []*unstructured.Unstructured
			for _, m := range tt.objects {
				objs = append(objs, object(t, m))
			}
			r, _, get := setup(t, withBaseline(tt.routing), objs...)
			if err := r.Apply(context.Background(), baselineState(20, 20)); err != nil {
				t.Fatal(err)
			}
			var stored []*unstructured.Unstructured
			for _, o := range objs {
				gvr := VirtualServices
				if o.GetKind() == "DestinationRule" {
					gvr = DestinationRules
				}
				stored = append(stored, roundTrip(t, get(gvr, o.GetName())))
			}
			r, client, _ := setup(t, withBaseline(tt.routing), stored...)
			if err := r.Apply(context.Background(), baselineState(20, 20)); err != nil {
				t.Fatal(err)
			}
			if u := updates(client); len(u) > 0 {
				t.Errorf("second apply of the same state updated %v", u)
			}
		})
	}
}

// TestBaselineHost: the baseline's host takes the canary's form where that
// resolves to the Rollout's namespace, and its fully qualified name otherwise.
func TestBaselineHost(t *testing.T) {
	tests := []struct {
		canaryHost, vsNamespace, want string
	}{
		{"web-canary", "shop", "web-baseline"},
		{"web-canary", "edge", "web-baseline.shop.svc.cluster.local"},
		{"web-canary.shop", "edge", "web-baseline.shop"},
		{"web-canary.shop.svc", "shop", "web-baseline.shop.svc"},
		{"web-canary.shop.svc.cluster.local", "edge", "web-baseline.shop.svc.cluster.local"},
		{"web-canary.shop.svc.corp.internal", "shop", "web-baseline.shop.svc.corp.internal"},
		{"web.other.svc.cluster.local", "shop", "web-baseline.shop.svc.cluster.local"},
		{"web.example.com", "shop", "web-baseline.shop.svc.cluster.local"},
		{"web.shopping.svc.cluster.local", "shop", "web-baseline.shop.svc.cluster.local"},
	}
	r := New(nil, nil, nil, withBaseline(vsRef("web")))
	for _, tt := range tests {
		if got := r.baselineHost(tt.canaryHost, tt.vsNamespace); got != tt.want {
			t.Errorf("baselineHost(%q, VirtualService in %q) = %q, want %q", tt.canaryHost, tt.vsNamespace, got, tt.want)
		}
	}
}
