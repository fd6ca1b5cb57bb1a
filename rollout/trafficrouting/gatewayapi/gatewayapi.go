// Package gatewayapi routes a canary's traffic through Gateway API HTTPRoutes:
// weights on the backendRefs of the rules that name the stable and canary
// Services, header routes as extra rules with matches, mirror routes as rules
// with a RequestMirror filter. It edits HTTPRoutes as unstructured JSON so that
// rules and fields sluice does not own stay exactly as they were.
package gatewayapi

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/trafficrouting"
)

// HTTPRoutes is the kind this router edits.
var HTTPRoutes = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}

// Router routes one Rollout's traffic.
type Router struct {
	client  dynamic.Interface
	lister  cache.GenericLister
	ro      *v1alpha1.Rollout
	managed map[string]bool
}

// New returns the Router for a Rollout whose trafficRouting.gatewayAPI is set.
func New(client dynamic.Interface, lister cache.GenericLister, ro *v1alpha1.Rollout) *Router {
	managed := map[string]bool{}
	for _, r := range ro.Spec.Strategy.Canary.TrafficRouting.ManagedRoutes {
		managed[r.Name] = true
	}
	return &Router{client: client, lister: lister, ro: ro, managed: managed}
}

// RouteNames lists the HTTPRoutes of a Rollout and their namespace.
func RouteNames(ro *v1alpha1.Rollout) (names []string, namespace string) {
	g := ro.Spec.Strategy.Canary.TrafficRouting.GatewayAPI
	namespace = g.Namespace
	if namespace == "" {
		namespace = ro.Namespace
	}
	if g.HTTPRoute != "" {
		return []string{g.HTTPRoute}, namespace
	}
	for _, r := range g.HTTPRoutes {
		names = append(names, r.Name)
	}
	return names, namespace
}

// Apply implements trafficrouting.Router.
func (r *Router) Apply(ctx context.Context, s trafficrouting.State) error {
	names, namespace := RouteNames(r.ro)
	for _, name := range names {
		err := trafficrouting.Edit(ctx, r.client, r.lister, HTTPRoutes, namespace, name, r.ro.Name, func(obj map[string]any) error {
			return r.setRules(obj, s)
		})
		if err != nil {
			return fmt.Errorf("HTTPRoute %s/%s: %w", namespace, name, err)
		}
	}
	return nil
}

// setRules weights every rule that names both Services (the managed rules
// aside) and puts the managed rules first.
func (r *Router) setRules(obj map[string]any, s trafficrouting.State) error {
	rules, _, _ := unstructured.NestedSlice(obj, "spec", "rules")
	rules = slices.DeleteFunc(rules, func(rule any) bool { return r.managed[ruleName(rule)] })
	var canaryRef map[string]any
	var mainRefs []any
	for _, raw := range rules {
		rule, _ := raw.(map[string]any)
		refs, _ := rule["backendRefs"].([]any)
		canary := r.setWeights(refs, s)
		if canary != nil && canaryRef == nil {
			canaryRef, mainRefs = canary, refs
		}
	}
	if canaryRef == nil {
		c := r.ro.Spec.Strategy.Canary
		return fmt.Errorf("no rule has backendRefs naming both Services %q and %q", c.StableService, c.CanaryService)
	}
	rules = append(r.managedRules(s, canaryRef, mainRefs), rules...)
	return unstructured.SetNestedSlice(obj, rules, "spec", "rules")
}

// setWeights weights a rule's backendRefs if they name the stable and canary
// Services, and returns the canary's backendRef (nil when the rule is not one
// sluice weights).
func (r *Router) setWeights(refs []any, s trafficrouting.State) map[string]any {
	c := r.ro.Spec.Strategy.Canary
	var stable, canary map[string]any
	for _, raw := range refs {
		ref, _ := raw.(map[string]any)
		if kind, _ := ref["kind"].(string); kind != "" && kind != "Service" {
			continue
		}
		switch name, _ := ref["name"].(string); name {
		case c.StableService:
			stable = ref
		case c.CanaryService:
			canary = ref
		}
	}
	if stable == nil || canary == nil {
		return nil
	}
	stable["weight"] = int64(s.StableWeight())
	canary["weight"] = int64(s.CanaryWeight)
	return canary
}

// managedRules builds the header and mirror rules, in managedRoutes order.
func (r *Router) managedRules(s trafficrouting.State, canaryRef map[string]any, mainRefs []any) []any {
	byName := map[string]any{}
	for _, h := range s.HeaderRoutes {
		byName[h.Name] = headerRule(h, canaryRef)
	}
	for _, m := range s.MirrorRoutes {
		byName[m.Name] = mirrorRule(m, canaryRef, mainRefs)
	}
	return trafficrouting.InManagedOrder(r.ro.Spec.Strategy.Canary.TrafficRouting.ManagedRoutes, byName)
}

// headerRule sends requests whose headers all match to the canary only.
func headerRule(h v1alpha1.SetHeaderRoute, canaryRef map[string]any) map[string]any {
	var headers []any
	for _, m := range h.Match {
		headers = append(headers, headerMatch(m.HeaderName, m.HeaderValue))
	}
	ref := runtime.DeepCopyJSONValue(canaryRef).(map[string]any)
	ref["weight"] = int64(1)
	return map[string]any{
		"name":        h.Name,
		"matches":     []any{map[string]any{"path": defaultPath(), "headers": headers}},
		"backendRefs": []any{ref},
	}
}

// defaultPath is the path match the HTTPRoute CRD defaults a match to. Rules
// are built with the API server's defaults so that an unchanged rule compares
// equal to the stored one and is not written again.
func defaultPath() map[string]any { return map[string]any{"type": "PathPrefix", "value": "/"} }

// mirrorRule serves matching requests as the main rule does and copies a share
// of them to the canary with a RequestMirror filter.
func mirrorRule(m v1alpha1.SetMirrorRoute, canaryRef map[string]any, mainRefs []any) map[string]any {
	var matches []any
	for _, rm := range m.Match {
		match := map[string]any{}
		if rm.Method != nil && rm.Method.Exact != "" {
			match["method"] = rm.Method.Exact
		}
		match["path"] = defaultPath()
		if rm.Path != nil {
			match["path"] = pathMatch(rm.Path)
		}
		var headers []any
		for _, name := range slices.Sorted(maps.Keys(rm.Headers)) { // a stable order: no spurious writes
			v := rm.Headers[name]
			headers = append(headers, headerMatch(name, &v))
		}
		if len(headers) > 0 {
			match["headers"] = headers
		}
		matches = append(matches, match)
	}
	// The canary's backend reference (as the API server defaulted it), without
	// the weight and filters a backendRef has and a mirror's does not.
	mirror := map[string]any{}
	for _, key := range []string{"group", "kind", "name", "namespace", "port"} {
		if v, ok := canaryRef[key]; ok {
			mirror[key] = runtime.DeepCopyJSONValue(v)
		}
	}
	percent := int64(v1alpha1.DefaultMirrorPercentage)
	if m.Percentage != nil {
		percent = int64(*m.Percentage)
	}
	return map[string]any{
		"name":        m.Name,
		"matches":     matches,
		"filters":     []any{map[string]any{"type": "RequestMirror", "requestMirror": map[string]any{"backendRef": mirror, "percent": percent}}},
		"backendRefs": runtime.DeepCopyJSONValue(mainRefs),
	}
}

// headerMatch is a Gateway API header match. Gateway API has no prefix match
// for headers; a prefix becomes an anchored regular expression.
func headerMatch(name string, v *v1alpha1.StringMatch) map[string]any {
	m := map[string]any{"name": name}
	switch {
	case v == nil:
	case v.Exact != "":
		m["type"], m["value"] = "Exact", v.Exact
	case v.Prefix != "":
		m["type"], m["value"] = "RegularExpression", "^"+regexp.QuoteMeta(v.Prefix)
	default:
		m["type"], m["value"] = "RegularExpression", v.Regex
	}
	return m
}

func pathMatch(v *v1alpha1.StringMatch) map[string]any {
	switch {
	case v.Exact != "":
		return map[string]any{"type": "Exact", "value": v.Exact}
	case v.Prefix != "":
		return map[string]any{"type": "PathPrefix", "value": v.Prefix}
	default:
		return map[string]any{"type": "RegularExpression", "value": v.Regex}
	}
}

func ruleName(rule any) string {
	m, _ := rule.(map[string]any)
	name, _ := m["name"].(string)
	return name
}
