package istio

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	"github.com/sluice-dev/sluice/rollout/trafficrouting"
)

// Check implements trafficrouting.Checker: it runs Apply's edits on copies of
// the cached objects, so what Apply would reject — a named route or a subset
// that does not exist, a route whose destinations are not the stable and
// canary Services — is found before anything moves and reported as InvalidSpec,
// instead of surfacing as a TrafficRoutingError at the first weight. An object
// missing from the cache is left to the controller's own check. With a
// baseline the probe gives it a share, so the routes are checked in the shape
// they will have while it runs (and a route that already carries the
// baseline's destination, as after a controller restart, passes).
func (r *Router) Check() error {
	probe := trafficrouting.State{StableHash: "check", CanaryHash: "check"}
	if r.ro.Spec.Strategy.Canary.Baseline != nil {
		probe.CanaryWeight, probe.BaselineWeight, probe.BaselineHash = 1, 1, "check"
	}
	if dr := r.spec.DestinationRule; dr != nil {
		if err := r.check(r.drLister, DestinationRules, dr.Name, func(obj map[string]any) error {
			return setSubsetHashes(obj, dr, probe)
		}); err != nil {
			return err
		}
	}
	for _, vs := range VirtualServiceRefs(r.spec) {
		if err := r.check(r.vsLister, VirtualServices, vs.Name, func(obj map[string]any) error {
			return r.setRoutes(obj, vs, probe)
		}); err != nil {
			return err
		}
	}
	return nil
}

func (r *Router) check(lister cache.GenericLister, gvr schema.GroupVersionResource, ref string, change func(map[string]any) error) error {
	if lister == nil {
		return nil
	}
	name, namespace := SplitName(ref, r.ro.Namespace)
	obj, err := lister.ByNamespace(namespace).Get(name)
	if err != nil {
		return nil
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil
	}
	if err := change(u.DeepCopy().Object); err != nil {
		return fmt.Errorf("%s %s/%s: %w", kindOf(gvr), namespace, name, err)
	}
	return nil
}
