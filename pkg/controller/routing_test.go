package controller

import (
	"context"
	"testing"
	"time"

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
		"metadata": map[string]any{"name": "web", "namespace": "shop"},
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
			if _, err := lister.ByNamespace("shop").Get("web"); err != nil {
				t.Fatalf("lister: %v", err)
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
