package lint

import (
	"fmt"
	"slices"
	"strings"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Router references (SPEC §4): the VirtualService routes, DestinationRule
// subsets and HTTPRoute rules a canary's weights go to must exist and name the
// canary's two Services (or subsets). The routers' objects are read as parsed
// YAML: only the few fields sluice edits matter here.

const trafficRoutingPath = "spec.strategy.canary.trafficRouting"

// checkRouting checks the router objects a canary's trafficRouting names.
func (l *linter) checkRouting(obj *lintObject, ro *v1alpha1.Rollout, ix refIndex) {
	c := ro.Spec.Strategy.Canary
	if c == nil || c.TrafficRouting == nil {
		return
	}
	l.checkRoutePods(obj, ro)
	if istio := c.TrafficRouting.Istio; istio != nil {
		l.checkIstio(obj, ix, istio, c)
	}
	if gw := c.TrafficRouting.GatewayAPI; gw != nil {
		l.checkGatewayAPI(obj, ix, gw, c)
	}
}

// split is what the two weighted destinations of a route must be.
type split struct {
	// by is "host" (the Service names) or "subset" (DestinationRule subsets).
	by             string
	stable, canary string
	// baseline is the baselineService, a third destination by host while a
	// baseline runs ("" when the Rollout names none): routing_baseline.go.
	baseline string
}

func (s split) matches(dest map[string]any, want string) bool {
	v, _ := dest[s.by].(string)
	if s.by == "host" {
		return v == want || strings.HasPrefix(v, want+".") // "web-canary.shop.svc.cluster.local"
	}
	return v == want
}

func (l *linter) checkIstio(obj *lintObject, ix refIndex, istio *v1alpha1.IstioTrafficRouting, c *v1alpha1.CanaryStrategy) {
	at := trafficRoutingPath + ".istio"
	want := split{"host", c.StableService, c.CanaryService, c.BaselineService}
	if dr := istio.DestinationRule; dr != nil {
		want = split{"subset", dr.StableSubsetName, dr.CanarySubsetName, c.BaselineService}
		l.checkDestinationRule(obj, ix, at+".destinationRule", dr)
	}
	if vs := istio.VirtualService; vs != nil {
		l.checkVirtualService(obj, ix, at+".virtualService", vs, want)
	}
	for i := range istio.VirtualServices {
		l.checkVirtualService(obj, ix, fmt.Sprintf("%s.virtualServices[%d]", at, i), &istio.VirtualServices[i], want)
	}
}

// qualifiedName splits "name.namespace", the form a Rollout may use for an
// object in another namespace.
func qualifiedName(name, namespace string) (string, string) {
	if n, ns, ok := strings.Cut(name, "."); ok {
		return n, ns
	}
	return name, namespace
}

func (l *linter) checkDestinationRule(obj *lintObject, ix refIndex, at string, dr *v1alpha1.IstioDestinationRule) {
	name, ns := qualifiedName(dr.Name, obj.namespace)
	found := l.resolve(obj, ix, at+".name", "DestinationRule", name, ns)
	if found == nil {
		return
	}
	subsets, _ := valueAt(found.raw, "spec.subsets").([]any)
	names := namesOf(subsets)
	for _, s := range []struct{ field, name string }{{"stableSubsetName", dr.StableSubsetName}, {"canarySubsetName", dr.CanarySubsetName}} {
		if !slices.Contains(names, s.name) {
			l.errorf(obj, at+"."+s.field, "DestinationRule %q has no subset named %q (its subsets: %s)", name, s.name, listOrNone(names))
		}
	}
}

func (l *linter) checkVirtualService(obj *lintObject, ix refIndex, at string, ref *v1alpha1.IstioVirtualService, want split) {
	name, ns := qualifiedName(ref.Name, obj.namespace)
	found := l.resolve(obj, ix, at+".name", "VirtualService", name, ns)
	if found == nil {
		return
	}
	http, _ := valueAt(found.raw, "spec.http").([]any)
	label := fmt.Sprintf("VirtualService %q", name)
	if len(ref.Routes) == 0 && len(ref.TLSRoutes) == 0 && len(ref.TCPRoutes) == 0 {
		if len(http) != 1 {
			l.errorf(obj, at+".routes", "%s has %d HTTP routes; without routes it must have exactly one: name the routes to weight", label, len(http))
			return
		}
		l.checkDestinations(obj, at+".routes", fmt.Sprintf("the only HTTP route of %s", label), http[0], want)
	}
	names := namesOf(http)
	for i, route := range ref.Routes {
		j := slices.Index(names, route)
		if j < 0 {
			l.errorf(obj, fmt.Sprintf("%s.routes[%d]", at, i), "%s has no HTTP route named %q (its HTTP routes: %s)", label, route, listOrNone(names))
			continue
		}
		l.checkDestinations(obj, fmt.Sprintf("%s.routes[%d]", at, i), fmt.Sprintf("HTTP route %q of %s", route, label), http[j], want)
	}
	l.checkMatchedRoutes(obj, found, at, label, ref, want)
}

// checkMatchedRoutes checks the TLS and TCP routes, which a Rollout finds by
// their match rather than by name.
func (l *linter) checkMatchedRoutes(obj *lintObject, vs *lintObject, at, label string, ref *v1alpha1.IstioVirtualService, want split) {
	tls, _ := valueAt(vs.raw, "spec.tls").([]any)
	for i, r := range ref.TLSRoutes {
		path := fmt.Sprintf("%s.tlsRoutes[%d]", at, i)
		desc := fmt.Sprintf("port %d and SNI hosts %s", r.Port, strings.Join(r.SNIHosts, ", "))
		if route := findMatchedRoute(tls, r.Port, r.SNIHosts); route != nil {
			l.checkDestinations(obj, path, fmt.Sprintf("the TLS route of %s matching %s", label, desc), route, want)
		} else {
			l.errorf(obj, path, "%s has no TLS route matching %s", label, desc)
		}
	}
	tcp, _ := valueAt(vs.raw, "spec.tcp").([]any)
	for i, r := range ref.TCPRoutes {
		path := fmt.Sprintf("%s.tcpRoutes[%d]", at, i)
		if route := findMatchedRoute(tcp, r.Port, nil); route != nil {
			l.checkDestinations(obj, path, fmt.Sprintf("the TCP route of %s matching port %d", label, r.Port), route, want)
		} else {
			l.errorf(obj, path, "%s has no TCP route matching port %d", label, r.Port)
		}
	}
}

// findMatchedRoute finds the route with a match on port (0: any) whose SNI hosts
// include sniHosts.
func findMatchedRoute(routes []any, port int64, sniHosts []string) any {
	for _, route := range routes {
		matches, _ := valueAt(asMap(route), "match").([]any)
		for _, m := range matches {
			mm := asMap(m)
			p, _ := number(mm["port"])
			hosts, _ := mm["sniHosts"].([]any)
			if (port == 0 || int64(p) == port) && containsAll(hosts, sniHosts) {
				return route
			}
		}
	}
	return nil
}

// checkDestinations checks that a route has exactly the two destinations sluice
// weights: the stable and canary Service hosts, or DestinationRule subsets.
func (l *linter) checkDestinations(obj *lintObject, path, label string, route any, want split) {
	dests, _ := valueAt(asMap(route), "route").([]any)
	dests, baselineProblems := want.splitBaseline(dests)
	var problems []string
	for _, side := range []struct{ role, name string }{{"stable", want.stable}, {"canary", want.canary}} {
		if !slices.ContainsFunc(dests, func(d any) bool { return want.matches(asMap(valueAt(asMap(d), "destination")), side.name) }) {
			problems = append(problems, fmt.Sprintf("no destination with the %s %s %q", side.role, want.by, side.name))
		}
	}
	if len(problems) == 0 && len(dests) != 2 {
		problems = append(problems, fmt.Sprintf("%d destinations", len(dests)))
	}
	problems = append(problems, baselineProblems...)
	if len(problems) > 0 {
		l.errorf(obj, path, "%s has %s; sluice weights exactly two destinations, %s %q (stable) and %q (canary)%s",
			label, strings.Join(problems, " and "), want.by, want.stable, want.canary, want.baselineClause())
	}
}

// checkGatewayAPI checks that each HTTPRoute exists and has a rule whose
// backendRefs name both Services: those are the weights sluice sets.
func (l *linter) checkGatewayAPI(obj *lintObject, ix refIndex, gw *v1alpha1.GatewayAPITrafficRouting, c *v1alpha1.CanaryStrategy) {
	at := trafficRoutingPath + ".gatewayAPI"
	namespace := gw.Namespace
	if namespace == "" {
		namespace = obj.namespace
	}
	refs := map[string]string{}
	var paths []string
	if gw.HTTPRoute != "" {
		refs[at+".httpRoute"] = gw.HTTPRoute
		paths = append(paths, at+".httpRoute")
	}
	for i, r := range gw.HTTPRoutes {
		path := fmt.Sprintf("%s.httpRoutes[%d].name", at, i)
		refs[path] = r.Name
		paths = append(paths, path)
	}
	for _, path := range paths {
		route := l.resolve(obj, ix, path, "HTTPRoute", refs[path], namespace)
		if route == nil {
			continue
		}
		if msg := httpRouteProblem(route, c.StableService, c.CanaryService); msg != "" {
			l.errorf(obj, path, "HTTPRoute %q %s", refs[path], msg)
		} else if msg := httpRouteBaselineProblem(route, c.StableService, c.CanaryService, c.BaselineService); msg != "" {
			l.errorf(obj, path, "HTTPRoute %q %s", refs[path], msg)
		}
	}
}

// httpRouteProblem says why no rule of an HTTPRoute has backendRefs to both
// Services, or "".
func httpRouteProblem(route *lintObject, stable, canary string) string {
	rules, _ := valueAt(route.raw, "spec.rules").([]any)
	seen := map[string]bool{}
	for _, rule := range rules {
		refs, _ := asMap(rule)["backendRefs"].([]any)
		names := serviceBackends(refs)
		if slices.Contains(names, stable) && slices.Contains(names, canary) {
			return ""
		}
		for _, n := range names {
			seen[n] = true
		}
	}
	var missing []string
	for _, s := range []struct{ role, name string }{{"stable", stable}, {"canary", canary}} {
		if !seen[s.name] {
			missing = append(missing, fmt.Sprintf("the %s Service %q", s.role, s.name))
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("has no backendRef to %s; sluice weights a rule whose backendRefs name both Services", andList(missing))
	}
	return fmt.Sprintf("names %q and %q in different rules; sluice weights a rule whose backendRefs name both Services", stable, canary)
}

// serviceBackends returns the names of the Service backendRefs of a rule.
func serviceBackends(refs []any) []string {
	var names []string
	for _, r := range refs {
		m := asMap(r)
		kind, _ := m["kind"].(string)
		group, _ := m["group"].(string)
		if name, ok := m["name"].(string); ok && (kind == "" || kind == "Service") && group == "" {
			names = append(names, name)
		}
	}
	return names
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// namesOf returns the name fields of a list of objects.
func namesOf(list []any) []string {
	var names []string
	for _, item := range list {
		if name, ok := asMap(item)["name"].(string); ok {
			names = append(names, name)
		}
	}
	return names
}

func containsAll(have []any, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, any(w)) {
			return false
		}
	}
	return true
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
