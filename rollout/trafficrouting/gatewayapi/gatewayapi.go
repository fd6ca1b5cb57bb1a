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
	"strings"

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
	if err := trafficrouting.CheckWeights(s); err != nil {
		return err
	}
	if s.BaselineWeight > 0 && r.ro.Spec.Strategy.Canary.BaselineService == "" {
		return fmt.Errorf("a baseline weight of %d needs spec.strategy.canary.baselineService", s.BaselineWeight)
	}
	var canaryRef map[string]any
	var mainRefs []any
	for _, raw := range rules {
		rule, _ := raw.(map[string]any)
		canary, err := r.setWeights(rule, s)
		if err != nil {
			return err
		}
		if canary != nil && canaryRef == nil {
			canaryRef, mainRefs = canary, rule["backendRefs"].([]any)
		}
	}
	if canaryRef == nil {
		c := r.ro.Spec.Strategy.Canary
		return fmt.Errorf("no rule has backendRefs naming both Services %q and %q", c.StableService, c.CanaryService)
	}
	managed, err := r.managedRules(s, canaryRef, mainRefs)
	if err != nil {
		return err
	}
	rules = append(managed, rules...)
	return unstructured.SetNestedSlice(obj, rules, "spec", "rules")
}

// setWeights weights a rule's backendRefs if they name the stable and canary
// Services, and returns the canary's backendRef (nil when the rule is not one
// sluice weights). While a baseline runs the rule also sends the baseline's
// share to the baselineService: a backendRef sluice adds (or the user's,
// edited in place) while that share is above 0, removed at 0.
func (r *Router) setWeights(rule map[string]any, s trafficrouting.State) (map[string]any, error) {
	refs, _ := rule["backendRefs"].([]any)
	c := r.ro.Spec.Strategy.Canary
	var stable, canary map[string]any
	baseline, baselines := -1, 0 // the index of the baseline's backendRef, and how many there are
	for i, raw := range refs {
		ref, _ := raw.(map[string]any)
		if kind, _ := ref["kind"].(string); kind != "" && kind != "Service" {
			continue
		}
		switch name, _ := ref["name"].(string); {
		case name == c.StableService:
			stable = ref
		case name == c.CanaryService:
			canary = ref
		case name == c.BaselineService && name != "":
			if baselines++; baseline < 0 {
				baseline = i
			}
		}
	}
	if stable == nil || canary == nil {
		return nil, nil
	}
	if baselines > 1 {
		return nil, fmt.Errorf("a rule naming both Services has %d backendRefs to the baselineService %q, want at most one", baselines, c.BaselineService)
	}
	stable["weight"] = int64(s.StableWeight())
	canary["weight"] = int64(s.CanaryWeight)
	switch {
	case s.BaselineWeight == 0 && baseline >= 0:
		refs = slices.Delete(refs, baseline, baseline+1)
	case s.BaselineWeight > 0 && baseline >= 0:
		refs[baseline].(map[string]any)["weight"] = int64(s.BaselineWeight)
	case s.BaselineWeight > 0:
		refs = append(refs, baselineRef(canary, c.BaselineService, int64(s.BaselineWeight)))
	}
	rule["backendRefs"] = refs
	return canary, nil
}

// baselineRef is the backendRef that carries the baseline's share: the
// baselineService, referred to as the canary's Service is (group, kind,
// namespace) and on the canary's port, since the baseline's Service mirrors
// the canary's.
func baselineRef(canaryRef map[string]any, service string, weight int64) map[string]any {
	ref := map[string]any{"name": service, "weight": weight}
	for _, key := range []string{"group", "kind", "namespace", "port"} {
		if v, ok := canaryRef[key]; ok {
			ref[key] = runtime.DeepCopyJSONValue(v)
		}
	}
	return ref
}

// managedRules builds the header and mirror rules, in managedRoutes order. A
// mirror route whose matches Gateway API cannot express is an error, so that
// nothing is written rather than a rule that mirrors other requests than asked.
func (r *Router) managedRules(s trafficrouting.State, canaryRef map[string]any, mainRefs []any) ([]any, error) {
	byName := map[string]any{}
	for _, h := range s.HeaderRoutes {
		byName[h.Name] = headerRule(h, canaryRef)
	}
	for _, m := range s.MirrorRoutes {
		rule, err := mirrorRule(m, canaryRef, mainRefs)
		if err != nil {
			return nil, fmt.Errorf("mirror route %q: %w", m.Name, err)
		}
		byName[m.Name] = rule
	}
	return trafficrouting.InManagedOrder(r.ro.Spec.Strategy.Canary.TrafficRouting.ManagedRoutes, byName), nil
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
func mirrorRule(m v1alpha1.SetMirrorRoute, canaryRef map[string]any, mainRefs []any) (map[string]any, error) {
	matches, err := mirrorMatches(m.Match)
	if err != nil {
		return nil, err
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
	}, nil
}

// maxMatchesPerRule is Gateway API's limit on the matches of one HTTPRoute
// rule. Checking it here names the mirror route, where the API server's
// rejection would only name an index in spec.rules.
const maxMatchesPerRule = 64

// mirrorMatches translates a mirror route's matches (ORed, as Gateway API
// ORs a rule's matches). Path and headers carry over one to one; a method
// given as prefix or regex becomes one match per method it selects.
func mirrorMatches(routeMatches []v1alpha1.RouteMatch) ([]any, error) {
	var matches []any
	for i, rm := range routeMatches {
		methods, err := selectMethods(rm.Method)
		if err != nil {
			return nil, fmt.Errorf("match[%d].method: %w", i, err)
		}
		matches = append(matches, expandMethods(requestMatch(rm), methods)...)
	}
	if len(matches) > maxMatchesPerRule {
		return nil, fmt.Errorf("its matches expand to %d Gateway API matches (one per HTTP method a method prefix or regex selects), more than the %d an HTTPRoute rule holds",
			len(matches), maxMatchesPerRule)
	}
	return matches, nil
}

// requestMatch is the Gateway API match for a RouteMatch's path and headers.
// The path defaults as the CRD defaults it, so an unchanged rule compares
// equal to the stored one.
func requestMatch(rm v1alpha1.RouteMatch) map[string]any {
	match := map[string]any{"path": defaultPath()}
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
	return match
}

// expandMethods returns one copy of match per method, or match itself when
// there is no method condition (nil). Each copy is a deep copy: the matches
// must not share maps once they are part of the object.
func expandMethods(match map[string]any, methods []string) []any {
	if methods == nil {
		return []any{match}
	}
	out := make([]any, 0, len(methods))
	for _, method := range methods {
		m := runtime.DeepCopyJSONValue(match).(map[string]any)
		m["method"] = method
		out = append(out, m)
	}
	return out
}

// httpMethods are the methods an HTTPRouteMatch can name: the values of
// Gateway API's HTTPMethod enum, in its order, so that expanded matches come
// out in a stable order.
var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

// selectMethods returns the methods a method condition selects, nil for no
// condition.
//
// Gateway API matches a method only exactly, and only the nine methods of its
// enum. A prefix or regex is therefore expanded into the enum's methods it
// selects (the router ORs the resulting matches) rather than refused: over
// the methods Gateway API can route at all, that is exactly the requests the
// condition means, and a mirror step with `method: {regex: "POST|PUT"}` keeps
// working as it does with Istio. A regex is matched against the whole method
// name, as Envoy-based routers (Istio) match it. A condition that selects none
// of the nine (an extension method such as PROPFIND, or "get" in lower case)
// cannot be expressed and is an error, not a match that is silently dropped.
func selectMethods(m *v1alpha1.StringMatch) ([]string, error) {
	if m == nil {
		return nil, nil
	}
	var selected []string
	switch {
	case m.Exact != "":
		if slices.Contains(httpMethods, m.Exact) {
			selected = []string{m.Exact}
		}
	case m.Prefix != "":
		selected = methodsWhere(func(method string) bool { return strings.HasPrefix(method, m.Prefix) })
	default:
		re, err := regexp.Compile("^(?:" + m.Regex + ")$")
		if err != nil {
			return nil, fmt.Errorf("regex %q is not valid: %v", m.Regex, err)
		}
		selected = methodsWhere(re.MatchString)
	}
	if len(selected) == 0 {
		return nil, fmt.Errorf("%s selects none of the methods Gateway API can match (%s)", describeStringMatch(m), strings.Join(httpMethods, ", "))
	}
	return selected, nil
}

// methodsWhere lists the Gateway API methods for which keep holds.
func methodsWhere(keep func(string) bool) []string {
	var out []string
	for _, method := range httpMethods {
		if keep(method) {
			out = append(out, method)
		}
	}
	return out
}

// describeStringMatch shows a StringMatch as the user wrote it, for messages.
func describeStringMatch(m *v1alpha1.StringMatch) string {
	switch {
	case m.Exact != "":
		return fmt.Sprintf("exact %q", m.Exact)
	case m.Prefix != "":
		return fmt.Sprintf("prefix %q", m.Prefix)
	default:
		return fmt.Sprintf("regex %q", m.Regex)
	}
}

// headerMatch is a Gateway API header match. Gateway API has no prefix match
// for headers; a prefix becomes the regular expression "^<prefix>.*". The
// trailing ".*" matters: Envoy-based implementations (Istio, Envoy Gateway,
// Contour) require a header regex to match the whole value, so "^<prefix>"
// alone would match only a value equal to the prefix. With it the expression
// means "starts with" under both whole-value and search semantics.
func headerMatch(name string, v *v1alpha1.StringMatch) map[string]any {
	m := map[string]any{"name": name}
	switch {
	case v == nil:
	case v.Exact != "":
		m["type"], m["value"] = "Exact", v.Exact
	case v.Prefix != "":
		m["type"], m["value"] = "RegularExpression", "^"+regexp.QuoteMeta(v.Prefix)+".*"
	default:
		m["type"], m["value"] = "RegularExpression", v.Regex
	}
	return m
}

// pathMatch is a Gateway API path match. A prefix becomes PathPrefix (Core
// support everywhere, where a regular expression is implementation-specific),
// which Gateway API matches element by element: prefix "/api" matches "/api"
// and "/api/v1" but not "/apis" (docs/traffic-routing.md says so).
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
