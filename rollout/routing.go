package rollout

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/trafficrouting"
	"github.com/sluice-dev/sluice/rollout/trafficrouting/gatewayapi"
	"github.com/sluice-dev/sluice/rollout/trafficrouting/istio"
)

// RoutingSources gives the routers their caches. The routing kinds are optional
// CRDs: a kind's lister is there only once its CRD is installed and its cache
// synced.
type RoutingSources interface {
	Lister(gvr schema.GroupVersionResource) (cache.GenericLister, bool)
	// OnChange registers a handler for every change of a routing object.
	OnChange(fn func(obj any))
}

// routingIndex indexes Rollouts by the routing objects they name
// ("resource/namespace/name"), so a change to a VirtualService wakes exactly the
// Rollouts that route through it.
const routingIndex = "byRoutingObject"

// routingRef is one routing object a Rollout names.
type routingRef struct {
	gvr             schema.GroupVersionResource
	kind            string
	field           string
	namespace, name string
}

func (r routingRef) key() string { return r.gvr.Resource + "/" + r.namespace + "/" + r.name }

// routingRefs lists the routing objects of a Rollout, with the field naming each.
func routingRefs(ro *v1alpha1.Rollout) []routingRef {
	c := ro.Spec.Strategy.Canary
	if c == nil || c.TrafficRouting == nil {
		return nil
	}
	var refs []routingRef
	if is := c.TrafficRouting.Istio; is != nil {
		field := "spec.strategy.canary.trafficRouting.istio.virtualService"
		for i, vs := range istio.VirtualServiceRefs(is) {
			if is.VirtualService == nil {
				field = fmt.Sprintf("spec.strategy.canary.trafficRouting.istio.virtualServices[%d]", i)
			}
			name, ns := istio.SplitName(vs.Name, ro.Namespace)
			refs = append(refs, routingRef{istio.VirtualServices, "VirtualService", field + ".name", ns, name})
		}
		if dr := is.DestinationRule; dr != nil {
			name, ns := istio.SplitName(dr.Name, ro.Namespace)
			refs = append(refs, routingRef{istio.DestinationRules, "DestinationRule", "spec.strategy.canary.trafficRouting.istio.destinationRule.name", ns, name})
		}
	}
	if c.TrafficRouting.GatewayAPI != nil {
		names, ns := gatewayapi.RouteNames(ro)
		for _, name := range names {
			refs = append(refs, routingRef{gatewayapi.HTTPRoutes, "HTTPRoute", "spec.strategy.canary.trafficRouting.gatewayAPI", ns, name})
		}
	}
	return refs
}

// routingObjectsOfRollout is the index function behind routingIndex.
func routingObjectsOfRollout(obj any) ([]string, error) {
	ro, ok := obj.(*v1alpha1.Rollout)
	if !ok {
		return nil, nil
	}
	var keys []string
	for _, r := range routingRefs(ro) {
		keys = append(keys, r.key())
	}
	return keys, nil
}

// routingResources maps the routing kinds to the resource names in index keys.
var routingResources = map[string]string{
	"VirtualService":  istio.VirtualServices.Resource,
	"DestinationRule": istio.DestinationRules.Resource,
	"HTTPRoute":       gatewayapi.HTTPRoutes.Resource,
}

// enqueueRoutingUsers wakes the Rollouts that route through an object (one was
// deleted, re-created, or edited by someone else).
func (c *Controller) enqueueRoutingUsers(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return
	}
	c.enqueueIndexed(routingIndex, routingResources[u.GetKind()]+"/"+u.GetNamespace()+"/"+u.GetName())
}

// missingRoutingObject names the first routing object a Rollout needs that is
// not there: its kind is not installed, or the object does not exist.
func (c *Controller) missingRoutingObject(ro *v1alpha1.Rollout) string {
	for _, ref := range routingRefs(ro) {
		lister, ok := c.routingLister(ref.gvr)
		if !ok {
			return fmt.Sprintf("%s: the %s kind (%s) is not installed in the cluster, or its cache is not ready yet", ref.field, ref.kind, ref.gvr.GroupVersion())
		}
		if _, err := lister.ByNamespace(ref.namespace).Get(ref.name); err != nil {
			return fmt.Sprintf("%s: %s %q not found in namespace %q", ref.field, ref.kind, ref.name, ref.namespace)
		}
	}
	return ""
}

// misconfiguredRouting says what the routing objects lack for the router to
// apply the Rollout's traffic (a named route or subset), "" when nothing.
func (c *Controller) misconfiguredRouting(ro *v1alpha1.Rollout) string {
	if canary := ro.Spec.Strategy.Canary; canary == nil || canary.TrafficRouting == nil {
		return ""
	}
	if checker, ok := c.router(ro).(trafficrouting.Checker); ok {
		if err := checker.Check(); err != nil {
			return "spec.strategy.canary.trafficRouting: " + err.Error()
		}
	}
	return ""
}

func (c *Controller) routingLister(gvr schema.GroupVersionResource) (cache.GenericLister, bool) {
	if c.routing == nil {
		return nil, false
	}
	return c.routing.Lister(gvr)
}

// router builds the Rollout's router; missingRoutingObject has checked its caches.
func (c *Controller) router(ro *v1alpha1.Rollout) trafficrouting.Router {
	tr := ro.Spec.Strategy.Canary.TrafficRouting
	if tr.GatewayAPI != nil {
		lister, _ := c.routingLister(gatewayapi.HTTPRoutes)
		return gatewayapi.New(c.dynamic, lister, ro)
	}
	vs, _ := c.routingLister(istio.VirtualServices)
	dr, _ := c.routingLister(istio.DestinationRules)
	return istio.New(c.dynamic, vs, dr, ro)
}

// applyTraffic has the router carry the plan's traffic and records in status
// what it accepted. A rejected update is a TrafficRoutingError event and an
// error: the step does not advance and the sync is retried with backoff.
func (c *Controller) applyTraffic(ctx context.Context, ro *v1alpha1.Rollout, s trafficrouting.State, st *v1alpha1.RolloutStatus) error {
	if err := c.router(ro).Apply(ctx, s); err != nil {
		c.recorder.Event(ro, corev1.EventTypeWarning, "TrafficRoutingError", err.Error())
		return fmt.Errorf("traffic routing: %w", err)
	}
	verified := true
	canary := ro.Spec.Strategy.Canary
	next := &v1alpha1.TrafficWeights{
		Canary:   v1alpha1.WeightDestination{Weight: s.CanaryWeight, ServiceName: canary.CanaryService, PodTemplateHash: s.CanaryHash},
		Stable:   v1alpha1.WeightDestination{Weight: s.StableWeight(), ServiceName: canary.StableService, PodTemplateHash: s.StableHash},
		Verified: &verified,
	}
	if s.BaselineWeight > 0 {
		next.Baseline = &v1alpha1.WeightDestination{Weight: s.BaselineWeight, ServiceName: canary.BaselineService, PodTemplateHash: s.BaselineHash}
	}
	if prev := ro.Status.Canary.Weights; prev == nil || prev.Canary.Weight != s.CanaryWeight || baselineWeight(prev) != s.BaselineWeight {
		msg := fmt.Sprintf("Traffic weight updated: canary %d%%, stable %d%%", s.CanaryWeight, s.StableWeight())
		if s.BaselineWeight > 0 || baselineWeight(prev) > 0 {
			msg = fmt.Sprintf("Traffic weight updated: canary %d%%, baseline %d%%, stable %d%%", s.CanaryWeight, s.BaselineWeight, s.StableWeight())
		}
		c.recorder.Event(ro, corev1.EventTypeNormal, "TrafficWeightUpdated", msg)
	}
	st.Canary.Weights = next
	return nil
}

// baselineWeight is the baseline's share in recorded weights (0 when none).
func baselineWeight(w *v1alpha1.TrafficWeights) int32 {
	if w == nil || w.Baseline == nil {
		return 0
	}
	return w.Baseline.Weight
}
