package controller

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	kubetesting "k8s.io/client-go/testing"

	"github.com/sluice-dev/sluice/rollout/trafficrouting/gatewayapi"
	"github.com/sluice-dev/sluice/rollout/trafficrouting/istio"
)

// A routing kind whose CRD appears after the controller started is watched
// from then on, without a restart, and its objects reach the handlers.
func TestRoutingInformersStartWhenTheCRDAppears(t *testing.T) {
	vs := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
		"metadata": map[string]any{"name": "web", "namespace": "shop",
			"annotations":   map[string]any{corev1.LastAppliedConfigAnnotation: `{"kind":"VirtualService"}`},
			"managedFields": []any{map[string]any{"manager": "kubectl", "operation": "Update"}}},
	}}
	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		istio.VirtualServices:  "VirtualServiceList",
		istio.DestinationRules: "DestinationRuleList",
		gatewayapi.HTTPRoutes:  "HTTPRouteList",
	}, vs)
	disco := &fakediscovery.FakeDiscovery{Fake: &kubetesting.Fake{}}
	r := newRoutingInformers(client, disco, "")
	seen := make(chan string, 10)
	r.OnChange(func(obj any) { seen <- obj.(*unstructured.Unstructured).GetName() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	if r.startInstalled(ctx) {
		t.Fatal("reported every routing kind running with no CRD installed")
	}
	if _, ok := r.Lister(istio.VirtualServices); ok {
		t.Fatal("a VirtualService lister without the CRD")
	}

	disco.Resources = []*metav1.APIResourceList{{
		GroupVersion: "networking.istio.io/v1",
		APIResources: []metav1.APIResource{{Name: "virtualservices", Kind: "VirtualService", Namespaced: true}},
	}}
	r.startInstalled(ctx)
	select {
	case name := <-seen:
		if name != "web" {
			t.Errorf("handler got %q", name)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the existing VirtualService never reached the handler")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if lister, ok := r.Lister(istio.VirtualServices); ok {
			cached, err := lister.ByNamespace("shop").Get("web")
			if err != nil {
				t.Fatalf("lister: %v", err)
			}
			// Cached without managedFields, but with the last-applied
			// annotation the routers' whole-object writes must carry back.
			m, _ := meta.Accessor(cached)
			if len(m.GetManagedFields()) != 0 || m.GetAnnotations()[corev1.LastAppliedConfigAnnotation] == "" {
				t.Errorf("cached VirtualService: managedFields %v, annotations %v", m.GetManagedFields(), m.GetAnnotations())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("VirtualService cache never synced")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, ok := r.Lister(istio.DestinationRules); ok {
		t.Error("DestinationRules watched though their CRD is still missing")
	}
}
