// Package istio routes a canary's traffic through Istio VirtualServices (and,
// for a subset split, a DestinationRule). It edits the objects as unstructured
// JSON so that every field sluice does not own — including fields newer than
// the Istio API this code was built with — stays exactly as it was.
package istio

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/trafficrouting"
)

// The kinds this router reads and writes.
var (
	VirtualServices  = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	DestinationRules = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "destinationrules"}
)

// hashLabel is sluice's pod-template-hash label, which subsets select on.
const hashLabel = "sluice.dev/pod-template-hash"

// Router routes one Rollout's traffic.
type Router struct {
	client             dynamic.Interface
	vsLister, drLister cache.GenericLister
	ro                 *v1alpha1.Rollout
	spec               *v1alpha1.IstioTrafficRouting
	managed            map[string]bool
}

// New returns the Router for a Rollout whose trafficRouting.istio is set. The
// listers serve VirtualServices and DestinationRules (drLister may be nil when
// the Rollout has no destinationRule).
func New(client dynamic.Interface, vsLister, drLister cache.GenericLister, ro *v1alpha1.Rollout) *Router {
	routing := ro.Spec.Strategy.Canary.TrafficRouting
	managed := map[string]bool{}
	for _, r := range routing.ManagedRoutes {
		managed[r.Name] = true
	}
	return &Router{client: client, vsLister: vsLister, drLister: drLister, ro: ro, spec: routing.Istio, managed: managed}
}

// VirtualServiceRefs are the VirtualServices of a Rollout.
func VirtualServiceRefs(spec *v1alpha1.IstioTrafficRouting) []v1alpha1.IstioVirtualService {
	if spec.VirtualService != nil {
		return []v1alpha1.IstioVirtualService{*spec.VirtualService}
	}
	return spec.VirtualServices
}

// SplitName splits "name.namespace" (namespace defaulting to the Rollout's).
func SplitName(ref, defaultNamespace string) (name, namespace string) {
	if i := strings.IndexByte(ref, '.'); i > 0 {
		return ref[:i], ref[i+1:]
	}
	return ref, defaultNamespace
}

// Apply implements trafficrouting.Router: the DestinationRule's subsets first
// (so a weight never points at a subset that still selects the old pods), then
// every VirtualService.
func (r *Router) Apply(ctx context.Context, s trafficrouting.State) error {
	if dr := r.spec.DestinationRule; dr != nil {
		if err := r.edit(ctx, r.drLister, DestinationRules, dr.Name, func(obj map[string]any) error {
			return setSubsetHashes(obj, dr, s)
		}); err != nil {
			return err
		}
	}
	for _, vs := range VirtualServiceRefs(r.spec) {
		if err := r.edit(ctx, r.vsLister, VirtualServices, vs.Name, func(obj map[string]any) error {
			return r.setRoutes(obj, vs, s)
		}); err != nil {
			return err
		}
	}
	return nil
}

// edit changes one object through trafficrouting.Edit, naming it in errors.
func (r *Router) edit(ctx context.Context, lister cache.GenericLister, gvr schema.GroupVersionResource, ref string, change func(map[string]any) error) error {
	name, namespace := SplitName(ref, r.ro.Namespace)
	if err := trafficrouting.Edit(ctx, r.client, lister, gvr, namespace, name, r.ro.Name, change); err != nil {
		return fmt.Errorf("%s %s/%s: %w", kindOf(gvr), namespace, name, err)
	}
	return nil
}

func kindOf(gvr schema.GroupVersionResource) string {
	if gvr == DestinationRules {
		return "DestinationRule"
	}
	return "VirtualService"
}

// setSubsetHashes points the stable and canary subsets at their ReplicaSets.
func setSubsetHashes(obj map[string]any, dr *v1alpha1.IstioDestinationRule, s trafficrouting.State) error {
	subsets, _, _ := unstructured.NestedSlice(obj, "spec", "subsets")
	want := map[string]string{dr.StableSubsetName: s.StableHash, dr.CanarySubsetName: s.CanaryHash}
	found := map[string]bool{}
	for i, raw := range subsets {
		subset, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		name, _ := subset["name"].(string)
		hash, ok := want[name]
		if !ok {
			continue
		}
		found[name] = true
		labels, _ := subset["labels"].(map[string]any)
		if labels == nil {
			labels = map[string]any{}
		}
		labels[hashLabel] = hash
		subset["labels"] = labels
		subsets[i] = subset
	}
	for name := range want {
		if !found[name] {
			return fmt.Errorf("subset %q not found", name)
		}
	}
	return unstructured.SetNestedSlice(obj, subsets, "spec", "subsets")
}
