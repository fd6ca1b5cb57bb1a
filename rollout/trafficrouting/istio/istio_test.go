package istio

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
