package gatewayapi

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

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
	if !strings.Contains(header, `"name":"beta"`) || !strings.Contains(header, `{"name":"x-beta","type":"RegularExpression","value":"^v1\\."}`) ||
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
