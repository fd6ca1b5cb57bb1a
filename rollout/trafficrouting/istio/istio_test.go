package istio

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/trafficrouting"
)

const hostSplit = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop, resourceVersion: "1"}
spec:
  x-future: {kept: true}
  http:
  - name: primary
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary.shop.svc.cluster.local}
      weight: 0
  - name: legacy
    x-future-route-field: 7
    route:
    - destination: {host: legacy}
`

func object(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	// Through JSON, as the API server's objects come: numbers are int64.
	raw, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	return u
}

// setup returns a router over the given objects, the fake client and a way to
// read an object back from it.
func setup(t *testing.T, ro *v1alpha1.Rollout, objs ...*unstructured.Unstructured) (*Router, *dynamicfake.FakeDynamicClient, func(schema.GroupVersionResource, string) *unstructured.Unstructured) {
	t.Helper()
	var runtimeObjs []runtime.Object
	vs := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	dr := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	for _, o := range objs {
		runtimeObjs = append(runtimeObjs, o.DeepCopy())
		if o.GetKind() == "DestinationRule" {
			_ = dr.Add(o)
		} else {
			_ = vs.Add(o)
		}
	}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		VirtualServices: "VirtualServiceList", DestinationRules: "DestinationRuleList",
	}, runtimeObjs...)
	r := New(client, cache.NewGenericLister(vs, VirtualServices.GroupResource()), cache.NewGenericLister(dr, DestinationRules.GroupResource()), ro)
	get := func(gvr schema.GroupVersionResource, name string) *unstructured.Unstructured {
		obj, err := client.Resource(gvr).Namespace("shop").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return obj
	}
	return r, client, get
}

func rollout(routing *v1alpha1.RolloutTrafficRouting) *v1alpha1.Rollout {
	return &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{
			StableService: "web-stable", CanaryService: "web-canary", TrafficRouting: routing,
		}}},
	}
}

func weights(t *testing.T, vs *unstructured.Unstructured, route int) []int64 {
	t.Helper()
	http, _, _ := unstructured.NestedSlice(vs.Object, "spec", "http")
	var out []int64
	for _, d := range http[route].(map[string]any)["route"].([]any) {
		w, _ := d.(map[string]any)["weight"].(int64)
		out = append(out, w)
	}
	return out
}

func TestHostSplitSetsWeightsAndKeepsEverythingElse(t *testing.T) {
	ro := rollout(&v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{
		VirtualService: &v1alpha1.IstioVirtualService{Name: "web", Routes: []string{"primary"}}}})
	before := object(t, hostSplit)
	r, _, get := setup(t, ro, before)
	if err := r.Apply(context.Background(), trafficrouting.State{CanaryWeight: 30}); err != nil {
		t.Fatal(err)
	}
	vs := get(VirtualServices, "web")
	if got := weights(t, vs, 0); got[0] != 70 || got[1] != 30 {
		t.Errorf("weights stable/canary = %v, want 70/30", got)
	}
	if vs.GetAnnotations()[trafficrouting.ManagedByAnnotation] != "web" {
		t.Errorf("annotations %v", vs.GetAnnotations())
	}
	for _, path := range [][]string{{"spec", "x-future"}} {
		a, _, _ := unstructured.NestedFieldNoCopy(before.Object, path...)
		b, _, _ := unstructured.NestedFieldNoCopy(vs.Object, path...)
		if ja, jb := mustJSON(a), mustJSON(b); ja != jb {
			t.Errorf("%v changed: %s → %s", path, ja, jb)
		}
	}
	legacyBefore, _, _ := unstructured.NestedSlice(before.Object, "spec", "http")
	legacyAfter, _, _ := unstructured.NestedSlice(vs.Object, "spec", "http")
	if mustJSON(legacyBefore[1]) != mustJSON(legacyAfter[1]) {
		t.Errorf("unrelated route changed: %s → %s", mustJSON(legacyBefore[1]), mustJSON(legacyAfter[1]))
	}
}

func TestNoWriteWhenNothingChanges(t *testing.T) {
	ro := rollout(&v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{
		VirtualService: &v1alpha1.IstioVirtualService{Name: "web", Routes: []string{"primary"}}}})
	vs := object(t, hostSplit)
	vs.SetAnnotations(map[string]string{trafficrouting.ManagedByAnnotation: "web"})
	r, client, _ := setup(t, ro, vs)
	if err := r.Apply(context.Background(), trafficrouting.State{CanaryWeight: 0}); err != nil {
		t.Fatal(err)
	}
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" {
			t.Errorf("wrote although the object already carried the state: %v", a)
		}
	}
}

func TestRouteShapesThatAreErrors(t *testing.T) {
	tests := []struct {
		name, manifest, want string
		routes               []string
	}{
		{"unnamed with two routes", hostSplit, "has 2 http routes", nil},
		{"missing named route", hostSplit, `http route "nope" not found`, []string{"nope"}},
		{"three destinations", strings.Replace(hostSplit, "      weight: 0\n", "      weight: 0\n    - destination: {host: third}\n", 1), "has 3 destinations", []string{"primary"}},
		{"unknown host", strings.Replace(hostSplit, "web-canary.shop.svc.cluster.local", "other", 1), "neither the stable nor the canary", []string{"primary"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ro := rollout(&v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{
				VirtualService: &v1alpha1.IstioVirtualService{Name: "web", Routes: tt.routes}}})
			r, _, _ := setup(t, ro, object(t, tt.manifest))
			err := r.Apply(context.Background(), trafficrouting.State{CanaryWeight: 10})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestSubsetSplitLabelsSubsetsAndManagedRoutesGoFirst(t *testing.T) {
	ro := rollout(&v1alpha1.RolloutTrafficRouting{
		ManagedRoutes: []v1alpha1.MangedRoutes{{Name: "beta"}, {Name: "shadow"}},
		Istio: &v1alpha1.IstioTrafficRouting{
			VirtualService:  &v1alpha1.IstioVirtualService{Name: "web"},
			DestinationRule: &v1alpha1.IstioDestinationRule{Name: "web", StableSubsetName: "stable", CanarySubsetName: "canary"},
		}})
	vs := object(t, `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  http:
  - route:
    - destination: {host: web, subset: stable}
      weight: 100
    - destination: {host: web, subset: canary}
`)
	dr := object(t, `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  subsets:
  - {name: stable, labels: {app: web}}
  - {name: canary, labels: {app: web}}
`)
	r, _, get := setup(t, ro, vs, dr)
	state := trafficrouting.State{CanaryWeight: 20, StableHash: "old", CanaryHash: "new",
		MirrorRoutes: []v1alpha1.SetMirrorRoute{{Name: "shadow", Match: []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Prefix: "/api"}}}}},
		HeaderRoutes: []v1alpha1.SetHeaderRoute{{Name: "beta", Match: []v1alpha1.HeaderRoutingMatch{{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}}}},
	}
	if err := r.Apply(context.Background(), state); err != nil {
		t.Fatal(err)
	}
	subsets := mustJSON(get(DestinationRules, "web").Object["spec"])
	want := `{"subsets":[{"labels":{"app":"web","sluice.dev/pod-template-hash":"old"},"name":"stable"},{"labels":{"app":"web","sluice.dev/pod-template-hash":"new"},"name":"canary"}]}`
	if subsets != want {
		t.Errorf("subsets:\n got %s\nwant %s", subsets, want)
	}
	got := get(VirtualServices, "web")
	http, _, _ := unstructured.NestedSlice(got.Object, "spec", "http")
	if len(http) != 3 || http[0].(map[string]any)["name"] != "beta" || http[1].(map[string]any)["name"] != "shadow" {
		t.Fatalf("routes %s, want beta, shadow, then the weighted route", mustJSON(http))
	}
	if w := weights(t, got, 2); w[0] != 80 || w[1] != 20 {
		t.Errorf("subset weights %v, want 80/20", w)
	}
	// The routes go when the state no longer has them.
	r2, _, get2 := setup(t, ro, got, dr)
	if err := r2.Apply(context.Background(), trafficrouting.State{CanaryWeight: 0, StableHash: "new", CanaryHash: "new"}); err != nil {
		t.Fatal(err)
	}
	if http, _, _ := unstructured.NestedSlice(get2(VirtualServices, "web").Object, "spec", "http"); len(http) != 1 {
		t.Errorf("managed routes not removed: %s", mustJSON(http))
	}
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

// roundTrip is obj as the API server stores and the informer delivers it: JSON,
// whole numbers decoded as int64.
func roundTrip(t *testing.T, obj *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	raw, err := obj.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	out := &unstructured.Unstructured{}
	if err := out.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	return out
}

func updates(client *dynamicfake.FakeDynamicClient) []string {
	var out []string
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" {
			out = append(out, a.GetResource().Resource)
		}
	}
	return out
}

func httpRoutes(obj *unstructured.Unstructured) []any {
	http, _, _ := unstructured.NestedSlice(obj.Object, "spec", "http")
	return http
}

// sideWeights maps each destination of a route (by subset, else by host) to its weight.
func sideWeights(route any) map[string]int64 {
	out := map[string]int64{}
	dests, _ := route.(map[string]any)["route"].([]any)
	for _, raw := range dests {
		d := raw.(map[string]any)
		dest := d["destination"].(map[string]any)
		key, _ := dest["subset"].(string)
		if key == "" {
			key, _ = dest["host"].(string)
		}
		out[key], _ = d["weight"].(int64)
	}
	return out
}

func vsRef(name string, routes ...string) *v1alpha1.RolloutTrafficRouting {
	return &v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{
		VirtualService: &v1alpha1.IstioVirtualService{Name: name, Routes: routes}}}
}

const subsetRule = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
  x-future: {kept: true}
  subsets:
  - {name: stable, labels: {app: web, sluice.dev/pod-template-hash: old}}
  - {name: canary, labels: {app: web}}
  - {name: debug, labels: {app: web, track: debug}}
`

const subsetVS = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - route:
    - destination: {host: web, subset: stable}
      weight: 100
    - destination: {host: web, subset: canary}
      weight: 0
`

func subsetRouting() *v1alpha1.RolloutTrafficRouting {
	return &v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{
		VirtualService:  &v1alpha1.IstioVirtualService{Name: "web"},
		DestinationRule: &v1alpha1.IstioDestinationRule{Name: "web", StableSubsetName: "stable", CanarySubsetName: "canary"},
	}}
}

func TestWeightsByHostAndSubset(t *testing.T) {
	onlyRoute := `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  http:
  - route:
    - destination: {host: web-canary}
    - destination: {host: web-stable.shop.svc.cluster.local}
`
	twoNamed := hostSplit + `
  - name: secondary
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
      weight: 0
`
	tests := []struct {
		name    string
		routing *v1alpha1.RolloutTrafficRouting
		objects []string
		weight  int32
		want    map[int]map[string]int64 // http route index → destination → weight
	}{
		{name: "host split, named route", routing: vsRef("web", "primary"), objects: []string{hostSplit}, weight: 30,
			want: map[int]map[string]int64{0: {"web-stable": 70, "web-canary.shop.svc.cluster.local": 30}, 1: {"legacy": 0}}},
		{name: "host split, the only route, short and FQDN hosts", routing: vsRef("web"), objects: []string{onlyRoute}, weight: 25,
			want: map[int]map[string]int64{0: {"web-stable.shop.svc.cluster.local": 75, "web-canary": 25}}},
		{name: "host split, weight 100", routing: vsRef("web"), objects: []string{onlyRoute}, weight: 100,
			want: map[int]map[string]int64{0: {"web-stable.shop.svc.cluster.local": 0, "web-canary": 100}}},
		{name: "host split, two named routes", routing: vsRef("web", "primary", "secondary"), objects: []string{twoNamed}, weight: 40,
			want: map[int]map[string]int64{0: {"web-stable": 60, "web-canary.shop.svc.cluster.local": 40}, 1: {"legacy": 0}, 2: {"web-stable": 60, "web-canary": 40}}},
		{name: "subset split", routing: subsetRouting(), objects: []string{subsetVS, subsetRule}, weight: 10,
			want: map[int]map[string]int64{0: {"stable": 90, "canary": 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []*unstructured.Unstructured
			for _, m := range tt.objects {
				objs = append(objs, object(t, m))
			}
			r, _, get := setup(t, rollout(tt.routing), objs...)
			if err := r.Apply(context.Background(), trafficrouting.State{CanaryWeight: tt.weight, StableHash: "s1", CanaryHash: "c1"}); err != nil {
				t.Fatal(err)
			}
			got := map[int]map[string]int64{}
			for i, route := range httpRoutes(get(VirtualServices, "web")) {
				got[i] = sideWeights(route)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("weights (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMoreShapesThatAreErrors(t *testing.T) {
	oneDest := strings.Replace(hostSplit, "    - destination: {host: web-canary.shop.svc.cluster.local}\n      weight: 0\n", "", 1)
	twoStable := strings.Replace(hostSplit, "web-canary.shop.svc.cluster.local", "web-stable", 1)
	tlsOnly := `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  tls:
  - match: [{port: 443, sniHosts: [web.example]}]
`
	unknownSubset := strings.Replace(subsetVS, "subset: canary", "subset: blue", 1)
	missingSubset := strings.Replace(subsetRule, "  - {name: canary, labels: {app: web}}\n", "", 1)
	tests := []struct {
		name    string
		routing *v1alpha1.RolloutTrafficRouting
		objects []string
		state   trafficrouting.State
		want    string
	}{
		{name: "an unnamed route with three routes names the count", routing: vsRef("web"),
			objects: []string{strings.Replace(hostSplit, "  - name: legacy\n", "  - name: other\n    route: []\n  - name: legacy\n", 1)},
			want:    "VirtualService shop/web: has 3 http routes; name the ones to weight in routes"},
		{name: "one destination", routing: vsRef("web", "primary"), objects: []string{oneDest},
			want: `VirtualService shop/web: http route "primary": has 1 destinations, want exactly the stable and the canary`},
		{name: "two stable destinations", routing: vsRef("web", "primary"), objects: []string{twoStable},
			want: `http route "primary": needs one stable and one canary destination`},
		{name: "unknown subset", routing: subsetRouting(), objects: []string{unknownSubset, subsetRule},
			want: "is neither the stable nor the canary subset (stable, canary)"},
		{name: "missing DestinationRule subset", routing: subsetRouting(), objects: []string{subsetVS, missingSubset},
			want: `DestinationRule shop/web: subset "canary" not found`},
		{name: "missing VirtualService", routing: vsRef("nope"), objects: []string{hostSplit},
			want: `VirtualService shop/nope: virtualservice`},
		{name: "header routes without a weighted http route", objects: []string{tlsOnly},
			routing: &v1alpha1.RolloutTrafficRouting{ManagedRoutes: []v1alpha1.MangedRoutes{{Name: "beta"}}, Istio: &v1alpha1.IstioTrafficRouting{
				VirtualService: &v1alpha1.IstioVirtualService{Name: "web", TLSRoutes: []v1alpha1.TLSRoute{{Port: 443}}}}},
			state: trafficrouting.State{HeaderRoutes: []v1alpha1.SetHeaderRoute{{Name: "beta", Match: []v1alpha1.HeaderRoutingMatch{{HeaderName: "x", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}}}}},
			want:  "header and mirror routes need a weighted http route"},
		{name: "a TLS selector that matches no route", objects: []string{tlsOnly},
			routing: &v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{
				VirtualService: &v1alpha1.IstioVirtualService{Name: "web", TLSRoutes: []v1alpha1.TLSRoute{{Port: 443, SNIHosts: []string{"other.example"}}}}}},
			want: "no tls route matches tls selector 0"},
		{name: "a matched TLS route without destinations is an error, not a panic", objects: []string{tlsOnly},
			routing: &v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{
				VirtualService: &v1alpha1.IstioVirtualService{Name: "web", TLSRoutes: []v1alpha1.TLSRoute{{Port: 443, SNIHosts: []string{"web.example"}}}}}},
			want: "tls route 0: has 0 destinations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []*unstructured.Unstructured
			for _, m := range tt.objects {
				objs = append(objs, object(t, m))
			}
			r, client, _ := setup(t, rollout(tt.routing), objs...)
			tt.state.CanaryWeight = 10
			err := r.Apply(context.Background(), tt.state)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
			// (The DestinationRule goes first and may have been written.)
			if u := updates(client); slices.Contains(u, "virtualservices") {
				t.Errorf("wrote %v although the state could not be applied", u)
			}
		})
	}
}

func TestTLSAndTCPRoutes(t *testing.T) {
	manifest := `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  http:
  - name: plain
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
      weight: 0
  tls:
  - match: [{port: 443, sniHosts: [web.example, www.web.example]}]
    route:
    - destination: {host: web-stable, port: {number: 443}}
      weight: 100
    - destination: {host: web-canary, port: {number: 443}}
      weight: 0
  - match: [{port: 443, sniHosts: [other.example]}]
    route:
    - destination: {host: other}
  tcp:
  - match: [{port: 5432}]
    x-future: 1
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
      weight: 0
  - match: [{port: 6379}]
    route:
    - destination: {host: redis}
`
	ro := rollout(&v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{VirtualService: &v1alpha1.IstioVirtualService{
		Name: "web", TLSRoutes: []v1alpha1.TLSRoute{{Port: 443, SNIHosts: []string{"web.example"}}}, TCPRoutes: []v1alpha1.TCPRoute{{Port: 5432}},
	}}})
	before := object(t, manifest)
	r, _, get := setup(t, ro, before)
	if err := r.Apply(context.Background(), trafficrouting.State{CanaryWeight: 35}); err != nil {
		t.Fatal(err)
	}
	after := get(VirtualServices, "web")
	// Only the weights of the selected TLS and TCP routes changed.
	want := before.DeepCopy()
	tls, _, _ := unstructured.NestedSlice(want.Object, "spec", "tls")
	setDestWeights(tls[0], 65, 35)
	_ = unstructured.SetNestedSlice(want.Object, tls, "spec", "tls")
	tcp, _, _ := unstructured.NestedSlice(want.Object, "spec", "tcp")
	setDestWeights(tcp[0], 65, 35)
	_ = unstructured.SetNestedSlice(want.Object, tcp, "spec", "tcp")
	if diff := cmp.Diff(mustJSON(want.Object["spec"]), mustJSON(after.Object["spec"])); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
}

// setDestWeights sets a route's first two destination weights.
func setDestWeights(route any, first, second int64) {
	dests := route.(map[string]any)["route"].([]any)
	dests[0].(map[string]any)["weight"] = first
	dests[1].(map[string]any)["weight"] = second
}

func TestTwoVirtualServices(t *testing.T) {
	other := strings.NewReplacer("name: web, namespace: shop", "name: web-internal, namespace: internal", "name: primary", "name: main").Replace(hostSplit)
	ro := rollout(&v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{VirtualServices: []v1alpha1.IstioVirtualService{
		{Name: "web", Routes: []string{"primary"}}, {Name: "web-internal.internal", Routes: []string{"main"}},
	}}})
	r, client, _ := setup(t, ro, object(t, hostSplit), object(t, other))
	if err := r.Apply(context.Background(), trafficrouting.State{CanaryWeight: 15}); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []struct{ namespace, name string }{{"shop", "web"}, {"internal", "web-internal"}} {
		vs, err := client.Resource(VirtualServices).Namespace(ref.namespace).Get(context.Background(), ref.name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := weights(t, vs, 0); !cmp.Equal(got, []int64{85, 15}) {
			t.Errorf("%s/%s weights %v, want 85/15", ref.namespace, ref.name, got)
		}
		if got := vs.GetAnnotations()[trafficrouting.ManagedByAnnotation]; got != "web" {
			t.Errorf("%s/%s managed-by %q", ref.namespace, ref.name, got)
		}
	}
}

// TestOnlyOwnedFieldsChange compares whole objects: after Apply, everything but
// the weights of the weighted route and the managed-by annotation is as it was —
// unknown fields at spec, route and destination level, other routes, other
// annotations.
func TestOnlyOwnedFieldsChange(t *testing.T) {
	manifest := `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
  namespace: shop
  labels: {team: shop}
  annotations: {note: keep}
spec:
  hosts: [web.example]
  gateways: [mesh]
  x-future: {nested: {list: [1, 2.5, "three"]}}
  http:
  - name: redirect
    match: [{uri: {prefix: /old}}]
    redirect: {uri: /new}
  - name: primary
    timeout: 5s
    retries: {attempts: 3}
    x-future-route: [a, b]
    route:
    - destination: {host: web-stable, port: {number: 80}}
      weight: 100
      headers: {response: {set: {x-side: stable}}}
    - destination: {host: web-canary, port: {number: 80}, x-future-dest: true}
      weight: 0
`
	before := object(t, manifest)
	r, _, get := setup(t, rollout(vsRef("web", "primary")), before)
	if err := r.Apply(context.Background(), trafficrouting.State{CanaryWeight: 5}); err != nil {
		t.Fatal(err)
	}
	want := before.DeepCopy()
	http := httpRoutes(want)
	setDestWeights(http[1], 95, 5)
	_ = unstructured.SetNestedSlice(want.Object, http, "spec", "http")
	want.SetAnnotations(map[string]string{"note": "keep", trafficrouting.ManagedByAnnotation: "web"})
	got := get(VirtualServices, "web")
	if diff := cmp.Diff(mustJSON(want.Object), mustJSON(got.Object)); diff != "" {
		t.Errorf("object (-want +got):\n%s", diff)
	}
}

func TestManagedRoutesHostSplit(t *testing.T) {
	// managedRoutes order puts the mirror route before the header routes.
	ro := rollout(&v1alpha1.RolloutTrafficRouting{
		ManagedRoutes: []v1alpha1.MangedRoutes{{Name: "shadow"}, {Name: "beta"}, {Name: "gamma"}},
		Istio:         &v1alpha1.IstioTrafficRouting{VirtualService: &v1alpha1.IstioVirtualService{Name: "web", Routes: []string{"primary"}}},
	})
	before := object(t, hostSplit)
	r, _, get := setup(t, ro, before)
	beta := v1alpha1.SetHeaderRoute{Name: "beta", Match: []v1alpha1.HeaderRoutingMatch{
		{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}},
		{HeaderName: "x-tier", HeaderValue: &v1alpha1.StringMatch{Prefix: "gold"}},
	}}
	gamma := v1alpha1.SetHeaderRoute{Name: "gamma", Match: []v1alpha1.HeaderRoutingMatch{{HeaderName: "x-g", HeaderValue: &v1alpha1.StringMatch{Regex: "^g+$"}}}}
	shadow := v1alpha1.SetMirrorRoute{Name: "shadow", Percentage: ptr(int32(20)), Match: []v1alpha1.RouteMatch{
		{Method: &v1alpha1.StringMatch{Exact: "GET"}, Path: &v1alpha1.StringMatch{Prefix: "/api"}, Headers: map[string]v1alpha1.StringMatch{"x-m": {Exact: "y"}}},
	}}
	state := trafficrouting.State{CanaryWeight: 10, HeaderRoutes: []v1alpha1.SetHeaderRoute{beta, gamma}, MirrorRoutes: []v1alpha1.SetMirrorRoute{shadow}}
	if err := r.Apply(context.Background(), state); err != nil {
		t.Fatal(err)
	}
	got := get(VirtualServices, "web")
	http := httpRoutes(got)
	var names []string
	for _, route := range http {
		names = append(names, routeName(route))
	}
	if diff := cmp.Diff([]string{"shadow", "beta", "gamma", "primary", "legacy"}, names); diff != "" {
		t.Fatalf("route order (-want +got):\n%s", diff)
	}
	canary := map[string]any{"host": "web-canary.shop.svc.cluster.local"}
	wantShadow := map[string]any{
		"name":  "shadow",
		"match": []any{map[string]any{"method": map[string]any{"exact": "GET"}, "uri": map[string]any{"prefix": "/api"}, "headers": map[string]any{"x-m": map[string]any{"exact": "y"}}}},
		"route": []any{
			map[string]any{"destination": map[string]any{"host": "web-stable"}, "weight": int64(90)},
			map[string]any{"destination": canary, "weight": int64(10)},
		},
		"mirror":           canary,
		"mirrorPercentage": map[string]any{"value": int64(20)},
	}
	wantBeta := map[string]any{
		"name":  "beta",
		"match": []any{map[string]any{"headers": map[string]any{"x-beta": map[string]any{"exact": "1"}, "x-tier": map[string]any{"prefix": "gold"}}}},
		"route": []any{map[string]any{"destination": canary, "weight": int64(100)}},
	}
	wantGamma := map[string]any{
		"name":  "gamma",
		"match": []any{map[string]any{"headers": map[string]any{"x-g": map[string]any{"regex": "^g+$"}}}},
		"route": []any{map[string]any{"destination": canary, "weight": int64(100)}},
	}
	// Compare as the API server stores them (JSON).
	for i, want := range []map[string]any{wantShadow, wantBeta, wantGamma} {
		if diff := cmp.Diff(mustJSON(want), mustJSON(http[i])); diff != "" {
			t.Errorf("route %d (-want +got):\n%s", i, diff)
		}
	}

	// The routes the state no longer has go; the user's routes are as they were.
	steps := []struct {
		state trafficrouting.State
		want  []string
	}{
		{trafficrouting.State{CanaryWeight: 10, HeaderRoutes: []v1alpha1.SetHeaderRoute{gamma}}, []string{"gamma", "primary", "legacy"}},
		{trafficrouting.State{CanaryWeight: 0}, []string{"primary", "legacy"}},
	}
	current := roundTrip(t, got)
	for _, step := range steps {
		r, _, get := setup(t, ro, current)
		if err := r.Apply(context.Background(), step.state); err != nil {
			t.Fatal(err)
		}
		current = roundTrip(t, get(VirtualServices, "web"))
		names = nil
		for _, route := range httpRoutes(current) {
			names = append(names, routeName(route))
		}
		if diff := cmp.Diff(step.want, names); diff != "" {
			t.Errorf("routes after %+v (-want +got):\n%s", step.state, diff)
		}
	}
	want := before.DeepCopy()
	want.SetAnnotations(map[string]string{trafficrouting.ManagedByAnnotation: "web"})
	if diff := cmp.Diff(mustJSON(want.Object["spec"]), mustJSON(current.Object["spec"])); diff != "" {
		t.Errorf("spec after the managed routes left (-want +got):\n%s", diff)
	}
}

// TestNoUpdateOnceCarried: applying a state to objects that already carry it
// (as the API server returns them after the first apply) writes nothing.
func TestNoUpdateOnceCarried(t *testing.T) {
	header := v1alpha1.SetHeaderRoute{Name: "beta", Match: []v1alpha1.HeaderRoutingMatch{{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}}}
	mirror := v1alpha1.SetMirrorRoute{Name: "shadow", Match: []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Prefix: "/"}}}}
	mirror30 := v1alpha1.SetMirrorRoute{Name: "shadow", Percentage: ptr(int32(30)), Match: mirror.Match}
	withRoutes := func(r *v1alpha1.RolloutTrafficRouting) *v1alpha1.RolloutTrafficRouting {
		r.ManagedRoutes = []v1alpha1.MangedRoutes{{Name: "beta"}, {Name: "shadow"}}
		return r
	}
	tests := []struct {
		name    string
		routing *v1alpha1.RolloutTrafficRouting
		objects []string
		state   trafficrouting.State
	}{
		{"host split", vsRef("web", "primary"), []string{hostSplit}, trafficrouting.State{CanaryWeight: 20}},
		{"subset split", subsetRouting(), []string{subsetVS, subsetRule}, trafficrouting.State{CanaryWeight: 20, StableHash: "s", CanaryHash: "c"}},
		{"header and mirror routes", withRoutes(vsRef("web", "primary")), []string{hostSplit},
			trafficrouting.State{CanaryWeight: 20, HeaderRoutes: []v1alpha1.SetHeaderRoute{header}, MirrorRoutes: []v1alpha1.SetMirrorRoute{mirror}}},
		{"mirror route with a percentage", withRoutes(subsetRouting()), []string{subsetVS, subsetRule},
			trafficrouting.State{CanaryWeight: 20, StableHash: "s", CanaryHash: "c", MirrorRoutes: []v1alpha1.SetMirrorRoute{mirror30}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []*unstructured.Unstructured
			for _, m := range tt.objects {
				objs = append(objs, object(t, m))
			}
			r, client, get := setup(t, rollout(tt.routing), objs...)
			if err := r.Apply(context.Background(), tt.state); err != nil {
				t.Fatal(err)
			}
			if u := updates(client); len(u) != len(tt.objects) {
				t.Fatalf("first apply updated %v, want each object once", u)
			}
			var stored []*unstructured.Unstructured
			for _, o := range objs {
				gvr := VirtualServices
				if o.GetKind() == "DestinationRule" {
					gvr = DestinationRules
				}
				stored = append(stored, roundTrip(t, get(gvr, o.GetName())))
			}
			r, client, _ = setup(t, rollout(tt.routing), stored...)
			if err := r.Apply(context.Background(), tt.state); err != nil {
				t.Fatal(err)
			}
			if u := updates(client); len(u) > 0 {
				t.Errorf("second apply of the same state updated %v", u)
			}
		})
	}
}

func TestManagedByAnnotationAlone(t *testing.T) {
	// An object that carries the weights but not the annotation gets one write,
	// which adds it and keeps the other annotations.
	vs := object(t, hostSplit)
	vs.SetAnnotations(map[string]string{"note": "keep"})
	r, client, get := setup(t, rollout(vsRef("web", "primary")), vs)
	if err := r.Apply(context.Background(), trafficrouting.State{CanaryWeight: 0}); err != nil {
		t.Fatal(err)
	}
	if u := updates(client); len(u) != 1 {
		t.Fatalf("updates %v, want one", u)
	}
	want := map[string]string{"note": "keep", trafficrouting.ManagedByAnnotation: "web"}
	if diff := cmp.Diff(want, get(VirtualServices, "web").GetAnnotations()); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
}

func TestDestinationRuleSubsets(t *testing.T) {
	before := object(t, subsetRule)
	r, client, get := setup(t, rollout(subsetRouting()), object(t, subsetVS), before)
	if err := r.Apply(context.Background(), trafficrouting.State{CanaryWeight: 30, StableHash: "s1", CanaryHash: "c1"}); err != nil {
		t.Fatal(err)
	}
	// The subsets move before the weight does.
	if diff := cmp.Diff([]string{"destinationrules", "virtualservices"}, updates(client)); diff != "" {
		t.Errorf("update order (-want +got):\n%s", diff)
	}
	want := before.DeepCopy()
	subsets, _, _ := unstructured.NestedSlice(want.Object, "spec", "subsets")
	subsets[0].(map[string]any)["labels"].(map[string]any)[hashLabel] = "s1"
	subsets[1].(map[string]any)["labels"].(map[string]any)[hashLabel] = "c1"
	_ = unstructured.SetNestedSlice(want.Object, subsets, "spec", "subsets")
	want.SetAnnotations(map[string]string{trafficrouting.ManagedByAnnotation: "web"})
	if diff := cmp.Diff(mustJSON(want.Object), mustJSON(get(DestinationRules, "web").Object)); diff != "" {
		t.Errorf("DestinationRule (-want +got):\n%s", diff)
	}
}

func ptr[T any](v T) *T { return &v }
