package gatewayapi

import (
	"context"
	"encoding/json"
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

const route = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs:
    - {name: web-stable, port: 80, weight: 100}
    - {name: web-canary, port: 80, weight: 0}
  - matches: [{path: {type: PathPrefix, value: /static}}]
    x-future: {kept: true}
    backendRefs:
    - {name: static, port: 8080}
`

func apply(t *testing.T, manifest string, s trafficrouting.State) (*unstructured.Unstructured, error) {
	t.Helper()
	raw, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	_ = indexer.Add(obj)
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{HTTPRoutes: "HTTPRouteList"}, obj.DeepCopy())
	ro := &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{
			StableService: "web-stable", CanaryService: "web-canary",
			TrafficRouting: &v1alpha1.RolloutTrafficRouting{
				ManagedRoutes: []v1alpha1.MangedRoutes{{Name: "beta"}, {Name: "shadow"}},
				GatewayAPI:    &v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "web"},
			},
		}}},
	}
	err = New(client, cache.NewGenericLister(indexer, HTTPRoutes.GroupResource()), ro).Apply(context.Background(), s)
	got, _ := client.Resource(HTTPRoutes).Namespace("shop").Get(context.Background(), "web", metav1.GetOptions{})
	return got, err
}

func rules(obj *unstructured.Unstructured) []any {
	r, _, _ := unstructured.NestedSlice(obj.Object, "spec", "rules")
	return r
}

func mustJSON(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func TestWeightsHeaderAndMirrorRules(t *testing.T) {
	state := trafficrouting.State{CanaryWeight: 40,
		HeaderRoutes: []v1alpha1.SetHeaderRoute{{Name: "beta", Match: []v1alpha1.HeaderRoutingMatch{{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Prefix: "v1."}}}}},
		MirrorRoutes: []v1alpha1.SetMirrorRoute{{Name: "shadow", Percentage: ptr(int32(25)), Match: []v1alpha1.RouteMatch{{Method: &v1alpha1.StringMatch{Exact: "GET"}}}}},
	}
	got, err := apply(t, route, state)
	if err != nil {
		t.Fatal(err)
	}
	rs := rules(got)
	if len(rs) != 4 {
		t.Fatalf("rules: %s", mustJSON(rs))
	}
	header, mirror, weighted, unrelated := mustJSON(rs[0]), mustJSON(rs[1]), mustJSON(rs[2]), mustJSON(rs[3])
	if !strings.Contains(header, `"name":"beta"`) || !strings.Contains(header, `{"name":"x-beta","type":"RegularExpression","value":"^v1\\..*"}`) ||
		!strings.Contains(header, `"backendRefs":[{"name":"web-canary","port":80,"weight":1}]`) {
		t.Errorf("header rule: %s", header)
	}
	if !strings.Contains(mirror, `"requestMirror":{"backendRef":{"name":"web-canary","port":80},"percent":25}`) || !strings.Contains(mirror, `"method":"GET"`) {
		t.Errorf("mirror rule: %s", mirror)
	}
	if !strings.Contains(weighted, `{"name":"web-stable","port":80,"weight":60}`) || !strings.Contains(weighted, `{"name":"web-canary","port":80,"weight":40}`) {
		t.Errorf("weighted rule: %s", weighted)
	}
	if want := `{"backendRefs":[{"name":"static","port":8080}],"matches":[{"path":{"type":"PathPrefix","value":"/static"}}],"x-future":{"kept":true}}`; unrelated != want {
		t.Errorf("unrelated rule changed:\n got %s\nwant %s", unrelated, want)
	}
	// Without routes in the state the managed rules go; the others stay.
	again, err := apply(t, mustYAML(t, got), trafficrouting.State{CanaryWeight: 0})
	if err != nil {
		t.Fatal(err)
	}
	if rs := rules(again); len(rs) != 2 || mustJSON(rs[1]) != unrelated {
		t.Errorf("after removing managed routes: %s", mustJSON(rs))
	}
}

func TestNoRuleNamingBothServicesIsAnError(t *testing.T) {
	_, err := apply(t, strings.Replace(route, "web-canary", "something-else", 1), trafficrouting.State{CanaryWeight: 10})
	if err == nil || !strings.Contains(err.Error(), `no rule has backendRefs naming both Services "web-stable" and "web-canary"`) {
		t.Errorf("error = %v", err)
	}
}

func mustYAML(t *testing.T, obj *unstructured.Unstructured) string {
	raw, err := yaml.Marshal(obj.Object)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func ptr[T any](v T) *T { return &v }

func parse(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	raw, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	return obj
}

// served is an HTTPRoute as the API server stores it and the informer
// delivers it: with the CRD's defaults (the kubebuilder markers of gateway-api
// v1.6.3: a rule's matches, a match's path, a header match's type, a
// backendRef's group, kind and weight) and through JSON.
func served(t *testing.T, obj *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	raw, err := obj.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	out := &unstructured.Unstructured{}
	if err := out.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	setDefault := func(m map[string]any, key string, v any) {
		if _, ok := m[key]; !ok {
			m[key] = v
		}
	}
	backendDefaults := func(ref map[string]any) {
		setDefault(ref, "group", "")
		setDefault(ref, "kind", "Service")
	}
	rs, _, _ := unstructured.NestedSlice(out.Object, "spec", "rules")
	for _, raw := range rs {
		rule := raw.(map[string]any)
		setDefault(rule, "matches", []any{map[string]any{}})
		for _, m := range rule["matches"].([]any) {
			match := m.(map[string]any)
			setDefault(match, "path", map[string]any{"type": "PathPrefix", "value": "/"})
			headers, _ := match["headers"].([]any)
			for _, h := range headers {
				setDefault(h.(map[string]any), "type", "Exact")
			}
		}
		refs, _ := rule["backendRefs"].([]any)
		for _, r := range refs {
			backendDefaults(r.(map[string]any))
			setDefault(r.(map[string]any), "weight", int64(1))
		}
		filters, _ := rule["filters"].([]any)
		for _, f := range filters {
			if mirror, ok := f.(map[string]any)["requestMirror"].(map[string]any); ok {
				backendDefaults(mirror["backendRef"].(map[string]any))
			}
		}
	}
	if err := unstructured.SetNestedSlice(out.Object, rs, "spec", "rules"); err != nil {
		t.Fatal(err)
	}
	return out
}

func gatewayRollout(g *v1alpha1.GatewayAPITrafficRouting, managed ...string) *v1alpha1.Rollout {
	ro := &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{
			StableService: "web-stable", CanaryService: "web-canary",
			TrafficRouting: &v1alpha1.RolloutTrafficRouting{GatewayAPI: g},
		}}},
	}
	for _, m := range managed {
		ro.Spec.Strategy.Canary.TrafficRouting.ManagedRoutes = append(ro.Spec.Strategy.Canary.TrafficRouting.ManagedRoutes, v1alpha1.MangedRoutes{Name: m})
	}
	return ro
}

// applyTo applies s to the given HTTPRoutes (held in the cache and the fake
// client) and returns the client.
func applyTo(t *testing.T, ro *v1alpha1.Rollout, s trafficrouting.State, objs ...*unstructured.Unstructured) (*dynamicfake.FakeDynamicClient, error) {
	t.Helper()
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	var runtimeObjs []runtime.Object
	for _, o := range objs {
		_ = indexer.Add(o)
		runtimeObjs = append(runtimeObjs, o.DeepCopy())
	}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{HTTPRoutes: "HTTPRouteList"}, runtimeObjs...)
	err := New(client, cache.NewGenericLister(indexer, HTTPRoutes.GroupResource()), ro).Apply(context.Background(), s)
	return client, err
}

func fetch(t *testing.T, client *dynamicfake.FakeDynamicClient, namespace, name string) *unstructured.Unstructured {
	t.Helper()
	obj, err := client.Resource(HTTPRoutes).Namespace(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

func updateCount(client *dynamicfake.FakeDynamicClient) int {
	n := 0
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" {
			n++
		}
	}
	return n
}

// TestGatewayWeights compares the whole spec after Apply with the expected one:
// only the weights of rules that name both Services change.
func TestGatewayWeights(t *testing.T) {
	tests := []struct {
		name, rules, want string
		weight            int32
	}{
		{name: "the rule naming both Services", weight: 30,
			rules: `
  - backendRefs: [{name: web-stable, port: 80, weight: 100}, {name: web-canary, port: 80, weight: 0}]`,
			want: `
  - backendRefs: [{name: web-stable, port: 80, weight: 70}, {name: web-canary, port: 80, weight: 30}]`},
		{name: "every rule naming both, in any order, with weights added where missing", weight: 100,
			rules: `
  - matches: [{path: {type: PathPrefix, value: /a}}]
    backendRefs: [{name: web-canary, port: 80}, {name: web-stable, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /b}}]
    backendRefs: [{kind: Service, name: web-stable, port: 8080, weight: 1}, {kind: Service, name: web-canary, port: 8080, weight: 1}]`,
			want: `
  - matches: [{path: {type: PathPrefix, value: /a}}]
    backendRefs: [{name: web-canary, port: 80, weight: 100}, {name: web-stable, port: 80, weight: 0}]
  - matches: [{path: {type: PathPrefix, value: /b}}]
    backendRefs: [{kind: Service, name: web-stable, port: 8080, weight: 0}, {kind: Service, name: web-canary, port: 8080, weight: 100}]`},
		{name: "a rule naming only one Service is left alone", weight: 50,
			rules: `
  - matches: [{path: {type: Exact, value: /stable-only}}]
    backendRefs: [{name: web-stable, port: 80, weight: 3}]
  - backendRefs: [{name: web-stable, port: 80, weight: 100}, {name: web-canary, port: 80, weight: 0}]`,
			want: `
  - matches: [{path: {type: Exact, value: /stable-only}}]
    backendRefs: [{name: web-stable, port: 80, weight: 3}]
  - backendRefs: [{name: web-stable, port: 80, weight: 50}, {name: web-canary, port: 80, weight: 50}]`},
		{name: "a backend of another kind with a Service's name is not that Service", weight: 50,
			rules: `
  - backendRefs: [{name: web-stable, port: 80}, {group: multicluster.x-k8s.io, kind: ServiceImport, name: web-canary, port: 80}]
  - backendRefs: [{name: web-stable, port: 80, weight: 100}, {name: web-canary, port: 80, weight: 0}]`,
			want: `
  - backendRefs: [{name: web-stable, port: 80}, {group: multicluster.x-k8s.io, kind: ServiceImport, name: web-canary, port: 80}]
  - backendRefs: [{name: web-stable, port: 80, weight: 50}, {name: web-canary, port: 80, weight: 50}]`},
	}
	const head = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: gw}]
  x-future: {kept: [1, 2]}
  rules:`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, err := applyTo(t, gatewayRollout(&v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "web"}),
				trafficrouting.State{CanaryWeight: tt.weight}, parse(t, head+tt.rules))
			if err != nil {
				t.Fatal(err)
			}
			got := fetch(t, client, "shop", "web")
			if diff := cmp.Diff(mustJSON(parse(t, head+tt.want).Object["spec"]), mustJSON(got.Object["spec"])); diff != "" {
				t.Errorf("spec (-want +got):\n%s", diff)
			}
			if got.GetAnnotations()[trafficrouting.ManagedByAnnotation] != "web" {
				t.Errorf("annotations %v", got.GetAnnotations())
			}
		})
	}
}

func TestGatewayManagedRules(t *testing.T) {
	ro := gatewayRollout(&v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "web"}, "shadow", "beta", "gamma")
	beta := v1alpha1.SetHeaderRoute{Name: "beta", Match: []v1alpha1.HeaderRoutingMatch{
		{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}},
		{HeaderName: "x-tier", HeaderValue: &v1alpha1.StringMatch{Prefix: "v1.2"}},
	}}
	gamma := v1alpha1.SetHeaderRoute{Name: "gamma", Match: []v1alpha1.HeaderRoutingMatch{{HeaderName: "x-g", HeaderValue: &v1alpha1.StringMatch{Regex: "^g+$"}}}}
	shadow := v1alpha1.SetMirrorRoute{Name: "shadow", Match: []v1alpha1.RouteMatch{
		{Method: &v1alpha1.StringMatch{Exact: "POST"}, Path: &v1alpha1.StringMatch{Exact: "/checkout"}},
		{Path: &v1alpha1.StringMatch{Regex: "/api/v[0-9]+"}, Headers: map[string]v1alpha1.StringMatch{"x-m": {Prefix: "a"}}},
	}}
	client, err := applyTo(t, ro, trafficrouting.State{CanaryWeight: 10, HeaderRoutes: []v1alpha1.SetHeaderRoute{beta, gamma},
		MirrorRoutes: []v1alpha1.SetMirrorRoute{shadow}}, parse(t, route))
	if err != nil {
		t.Fatal(err)
	}
	got := fetch(t, client, "shop", "web")
	const want = `
- name: shadow
  matches:
  - {method: POST, path: {type: Exact, value: /checkout}}
  - path: {type: RegularExpression, value: "/api/v[0-9]+"}
    headers: [{name: x-m, type: RegularExpression, value: ^a.*}]
  filters:
  - type: RequestMirror
    requestMirror: {backendRef: {name: web-canary, port: 80}, percent: 100}
  backendRefs: [{name: web-stable, port: 80, weight: 90}, {name: web-canary, port: 80, weight: 10}]
- name: beta
  matches:
  - path: {type: PathPrefix, value: /}
    headers:
    - {name: x-beta, type: Exact, value: "1"}
    - {name: x-tier, type: RegularExpression, value: ^v1\.2.*}
  backendRefs: [{name: web-canary, port: 80, weight: 1}]
- name: gamma
  matches:
  - path: {type: PathPrefix, value: /}
    headers: [{name: x-g, type: RegularExpression, value: ^g+$}]
  backendRefs: [{name: web-canary, port: 80, weight: 1}]
- backendRefs: [{name: web-stable, port: 80, weight: 90}, {name: web-canary, port: 80, weight: 10}]
- matches: [{path: {type: PathPrefix, value: /static}}]
  x-future: {kept: true}
  backendRefs: [{name: static, port: 8080}]
`
	var wantRules []any
	if err := yaml.Unmarshal([]byte(want), &wantRules); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(mustJSON(wantRules), mustJSON(rules(got))); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}

	// A mirror percentage; then the rules the state no longer has go and the
	// others are as they were.
	percent := shadow
	percent.Percentage = ptr(int32(5))
	client, err = applyTo(t, ro, trafficrouting.State{CanaryWeight: 10, MirrorRoutes: []v1alpha1.SetMirrorRoute{percent}}, served(t, got))
	if err != nil {
		t.Fatal(err)
	}
	got = fetch(t, client, "shop", "web")
	if rs := rules(got); len(rs) != 3 || ruleName(rs[0]) != "shadow" ||
		!strings.Contains(mustJSON(rs[0]), `"percent":5`) {
		t.Errorf("rules with only the mirror: %s", mustJSON(rs))
	}
	client, err = applyTo(t, ro, trafficrouting.State{CanaryWeight: 0}, served(t, got))
	if err != nil {
		t.Fatal(err)
	}
	after := served(t, parse(t, route))
	if diff := cmp.Diff(mustJSON(after.Object["spec"]), mustJSON(fetch(t, client, "shop", "web").Object["spec"])); diff != "" {
		t.Errorf("spec after the managed rules left (-want +got):\n%s", diff)
	}
}

func TestGatewayErrors(t *testing.T) {
	tests := []struct {
		name, manifest string
		routing        *v1alpha1.GatewayAPITrafficRouting
		want           string
	}{
		{"no rule names both Services", strings.Replace(route, "web-canary", "other", 1), &v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "web"},
			`HTTPRoute shop/web: no rule has backendRefs naming both Services "web-stable" and "web-canary"`},
		{"each Service named only in its own rule", strings.Replace(route, "    - {name: web-canary, port: 80, weight: 0}\n", "  - backendRefs: [{name: web-canary, port: 80}]\n", 1),
			&v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "web"}, "no rule has backendRefs naming both Services"},
		{"missing HTTPRoute", route, &v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "nope"}, `HTTPRoute shop/nope: httproute`},
		{"HTTPRoute in another namespace", route, &v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "web", Namespace: "edge"}, `HTTPRoute edge/web:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, err := applyTo(t, gatewayRollout(tt.routing), trafficrouting.State{CanaryWeight: 10}, parse(t, tt.manifest))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
			if n := updateCount(client); n > 0 {
				t.Errorf("%d updates although the state could not be applied", n)
			}
		})
	}
}

func TestGatewaySeveralRoutesInANamespace(t *testing.T) {
	a := parse(t, strings.Replace(route, "namespace: shop", "namespace: edge", 1))
	b := parse(t, strings.NewReplacer("name: web,", "name: web-api,", "namespace: shop", "namespace: edge").Replace(route))
	ro := gatewayRollout(&v1alpha1.GatewayAPITrafficRouting{HTTPRoutes: []v1alpha1.GatewayAPIRoute{{Name: "web"}, {Name: "web-api"}}, Namespace: "edge"})
	client, err := applyTo(t, ro, trafficrouting.State{CanaryWeight: 45}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web", "web-api"} {
		if got := mustJSON(rules(fetch(t, client, "edge", name))[0]); got != `{"backendRefs":[{"name":"web-stable","port":80,"weight":55},{"name":"web-canary","port":80,"weight":45}]}` {
			t.Errorf("%s: %s", name, got)
		}
	}
}

// TestGatewayNoUpdateOnceCarried: applying a state to HTTPRoutes that carry it,
// as the API server returns them (with the CRD's defaults), writes nothing.
func TestGatewayNoUpdateOnceCarried(t *testing.T) {
	ro := gatewayRollout(&v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "web"}, "beta", "shadow")
	header := v1alpha1.SetHeaderRoute{Name: "beta", Match: []v1alpha1.HeaderRoutingMatch{{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}}}
	mirror := v1alpha1.SetMirrorRoute{Name: "shadow", Percentage: ptr(int32(50)), Match: []v1alpha1.RouteMatch{
		{Method: &v1alpha1.StringMatch{Exact: "GET"}, Headers: map[string]v1alpha1.StringMatch{
			"x-a": {Exact: "1"}, "x-b": {Exact: "2"}, "x-c": {Prefix: "3"}, "x-d": {Regex: "4+"}, "x-e": {Exact: "5"},
		}},
	}}
	tests := []struct {
		name  string
		state trafficrouting.State
	}{
		{"weights only", trafficrouting.State{CanaryWeight: 20}},
		{"header route", trafficrouting.State{CanaryWeight: 20, HeaderRoutes: []v1alpha1.SetHeaderRoute{header}}},
		{"mirror route with several headers", trafficrouting.State{CanaryWeight: 20, MirrorRoutes: []v1alpha1.SetMirrorRoute{mirror}}},
		{"mirror route with a method regex expanded", trafficrouting.State{CanaryWeight: 20, MirrorRoutes: []v1alpha1.SetMirrorRoute{{Name: "shadow",
			Match: []v1alpha1.RouteMatch{{Method: &v1alpha1.StringMatch{Regex: "P.*"}, Path: &v1alpha1.StringMatch{Prefix: "/api"}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := served(t, parse(t, route))
			for i := range 5 {
				client, err := applyTo(t, ro, tt.state, stored)
				if err != nil {
					t.Fatal(err)
				}
				if n := updateCount(client); i > 0 && n > 0 {
					t.Fatalf("apply %d of the same state wrote again", i+1)
				}
				stored = served(t, fetch(t, client, "shop", "web"))
			}
		})
	}
}

// TestMirrorMatchTranslation checks how each condition of a setMirrorRoute
// match becomes HTTPRoute matches: what Gateway API can express carries over,
// a method prefix or regex becomes one match per method it selects, and what
// cannot be expressed is an error naming the route and the field, with
// nothing written.
func TestMirrorMatchTranslation(t *testing.T) {
	tests := []struct {
		name    string
		match   []v1alpha1.RouteMatch
		want    string // the rule's matches as YAML
		wantErr string
	}{
		{name: "method exact",
			match: []v1alpha1.RouteMatch{{Method: &v1alpha1.StringMatch{Exact: "GET"}}},
			want:  `[{method: GET, path: {type: PathPrefix, value: /}}]`},
		{name: "method prefix: one match per method",
			match: []v1alpha1.RouteMatch{{Method: &v1alpha1.StringMatch{Prefix: "P"}}},
			want: `
- {method: POST, path: {type: PathPrefix, value: /}}
- {method: PUT, path: {type: PathPrefix, value: /}}
- {method: PATCH, path: {type: PathPrefix, value: /}}`},
		{name: "method regex matches the whole name, each copy keeps path and headers",
			match: []v1alpha1.RouteMatch{{Method: &v1alpha1.StringMatch{Regex: "GET|HEAD|PO"}, Path: &v1alpha1.StringMatch{Prefix: "/api"},
				Headers: map[string]v1alpha1.StringMatch{"x-b": {Exact: "1"}, "x-a": {Regex: "a+"}}}},
			want: `
- method: GET
  path: {type: PathPrefix, value: /api}
  headers: [{name: x-a, type: RegularExpression, value: a+}, {name: x-b, type: Exact, value: "1"}]
- method: HEAD
  path: {type: PathPrefix, value: /api}
  headers: [{name: x-a, type: RegularExpression, value: a+}, {name: x-b, type: Exact, value: "1"}]`},
		{name: "path exact",
			match: []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Exact: "/checkout"}}},
			want:  `[{path: {type: Exact, value: /checkout}}]`},
		{name: "path prefix",
			match: []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Prefix: "/api/v1"}}},
			want:  `[{path: {type: PathPrefix, value: /api/v1}}]`},
		{name: "path regex",
			match: []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Regex: "/api/v[0-9]+/.*"}}},
			want:  `[{path: {type: RegularExpression, value: "/api/v[0-9]+/.*"}}]`},
		{name: "header prefix is a regex matching values that start with it",
			match: []v1alpha1.RouteMatch{{Headers: map[string]v1alpha1.StringMatch{"x-v": {Prefix: "1.2"}}}},
			want:  `[{path: {type: PathPrefix, value: /}, headers: [{name: x-v, type: RegularExpression, value: '^1\.2.*'}]}]`},
		{name: "several matches stay ORed, in order",
			match: []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Exact: "/a"}}, {Method: &v1alpha1.StringMatch{Regex: "DELETE"}}},
			want:  `[{path: {type: Exact, value: /a}}, {method: DELETE, path: {type: PathPrefix, value: /}}]`},
		{name: "method exact that Gateway API cannot name",
			match:   []v1alpha1.RouteMatch{{Method: &v1alpha1.StringMatch{Exact: "PROPFIND"}}},
			wantErr: `HTTPRoute shop/web: mirror route "shadow": match[0].method: exact "PROPFIND" selects none of the methods Gateway API can match (GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH)`},
		{name: "methods are case-sensitive",
			match:   []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Exact: "/a"}}, {Method: &v1alpha1.StringMatch{Prefix: "g"}}},
			wantErr: `mirror route "shadow": match[1].method: prefix "g" selects none of the methods`},
		{name: "method regex anchored to a part of a name selects nothing",
			match:   []v1alpha1.RouteMatch{{Method: &v1alpha1.StringMatch{Regex: "^GE"}}},
			wantErr: `mirror route "shadow": match[0].method: regex "^GE" selects none of the methods`},
		{name: "invalid method regex",
			match:   []v1alpha1.RouteMatch{{Method: &v1alpha1.StringMatch{Regex: "(GET"}}},
			wantErr: `mirror route "shadow": match[0].method: regex "(GET" is not valid: error parsing regexp`},
		{name: "more matches than a rule holds",
			match:   repeatMatch(v1alpha1.RouteMatch{Method: &v1alpha1.StringMatch{Regex: ".*"}}, 8),
			wantErr: `mirror route "shadow": its matches expand to 72 Gateway API matches (one per HTTP method a method prefix or regex selects), more than the 64 an HTTPRoute rule holds`},
	}
	ro := gatewayRollout(&v1alpha1.GatewayAPITrafficRouting{HTTPRoute: "web"}, "shadow")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mirror := v1alpha1.SetMirrorRoute{Name: "shadow", Match: tt.match}
			client, err := applyTo(t, ro, trafficrouting.State{CanaryWeight: 10, MirrorRoutes: []v1alpha1.SetMirrorRoute{mirror}}, parse(t, route))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				if n := updateCount(client); n > 0 {
					t.Errorf("%d updates although the mirror route cannot be expressed", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rs := rules(fetch(t, client, "shop", "web"))
			if ruleName(rs[0]) != "shadow" {
				t.Fatalf("first rule is not the mirror: %s", mustJSON(rs))
			}
			var want []any
			if err := yaml.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(mustJSON(want), mustJSON(rs[0].(map[string]any)["matches"])); diff != "" {
				t.Errorf("matches (-want +got):\n%s", diff)
			}
		})
	}
}

func repeatMatch(m v1alpha1.RouteMatch, n int) []v1alpha1.RouteMatch {
	out := make([]v1alpha1.RouteMatch, n)
	for i := range out {
		out[i] = m
	}
	return out
}
