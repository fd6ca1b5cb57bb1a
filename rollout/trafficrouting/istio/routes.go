package istio

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/trafficrouting"
)

// setRoutes gives the weighted routes of one VirtualService the state's weights
// and puts the managed header and mirror routes in front of its HTTP routes.
func (r *Router) setRoutes(obj map[string]any, ref v1alpha1.IstioVirtualService, s trafficrouting.State) error {
	if err := r.checkState(s); err != nil {
		return err
	}
	http, _, _ := unstructured.NestedSlice(obj, "spec", "http")
	http = slices.DeleteFunc(http, func(route any) bool { return r.managed[routeName(route)] })
	_, vsNamespace := SplitName(ref.Name, r.ro.Namespace)
	var canaryDest map[string]any
	var mainRoute []any
	for _, i := range r.weightedHTTP(http, ref) {
		if i < 0 {
			return r.missingRoute(http, ref)
		}
		route := http[i].(map[string]any)
		canary, err := r.setWeights(route, s, vsNamespace)
		if err != nil {
			return fmt.Errorf("http route %q: %w", routeName(route), err)
		}
		if canaryDest == nil {
			canaryDest, mainRoute = canary, route["route"].([]any)
		}
	}
	if len(s.HeaderRoutes)+len(s.MirrorRoutes) > 0 && canaryDest == nil {
		return fmt.Errorf("header and mirror routes need a weighted http route")
	}
	http = append(r.managedHTTPRoutes(s, canaryDest, mainRoute), http...)
	if err := setOrDelete(obj, http, "http"); err != nil {
		return err
	}
	if err := r.setMatchedWeights(obj, "tls", len(ref.TLSRoutes), func(m map[string]any, i int) bool { return tlsMatches(m, ref.TLSRoutes[i]) }, s, vsNamespace); err != nil {
		return err
	}
	return r.setMatchedWeights(obj, "tcp", len(ref.TCPRoutes), func(m map[string]any, i int) bool { return portMatches(m, ref.TCPRoutes[i].Port) }, s, vsNamespace)
}

// weightedHTTP returns the indexes of the HTTP routes to weight: the named ones
// (-1 for a name not found), or the only route when none is named and no TLS or
// TCP route is either.
func (r *Router) weightedHTTP(http []any, ref v1alpha1.IstioVirtualService) []int {
	if len(ref.Routes) == 0 {
		if len(ref.TLSRoutes)+len(ref.TCPRoutes) > 0 {
			return nil
		}
		if len(http) != 1 {
			return []int{-1}
		}
		return []int{0}
	}
	var out []int
	for _, name := range ref.Routes {
		out = append(out, slices.IndexFunc(http, func(route any) bool { return routeName(route) == name }))
	}
	return out
}

func (r *Router) missingRoute(http []any, ref v1alpha1.IstioVirtualService) error {
	if len(ref.Routes) == 0 {
		return fmt.Errorf("has %d http routes; name the ones to weight in routes", len(http))
	}
	for _, name := range ref.Routes {
		if !slices.ContainsFunc(http, func(route any) bool { return routeName(route) == name }) {
			return fmt.Errorf("http route %q not found", name)
		}
	}
	return nil
}

// setMatchedWeights weights the TLS or TCP routes that match each of n selectors.
func (r *Router) setMatchedWeights(obj map[string]any, field string, n int, matches func(map[string]any, int) bool, s trafficrouting.State, vsNamespace string) error {
	if n == 0 {
		return nil
	}
	routes, _, _ := unstructured.NestedSlice(obj, "spec", field)
	for i := range n {
		found := false
		for _, raw := range routes {
			route, _ := raw.(map[string]any)
			ms, _ := route["match"].([]any)
			if !slices.ContainsFunc(ms, func(m any) bool { mm, _ := m.(map[string]any); return matches(mm, i) }) {
				continue
			}
			found = true
			if _, err := r.setWeights(route, s, vsNamespace); err != nil {
				return fmt.Errorf("%s route %d: %w", field, i, err)
			}
		}
		if !found {
			return fmt.Errorf("no %s route matches %s selector %d", field, field, i)
		}
	}
	return setOrDelete(obj, routes, field)
}

// setWeights weights a route's destinations — the stable and the canary and,
// while a baseline runs, the baseline — and returns the canary's destination.
// The baseline's destination is added while its weight is above 0 and removed
// at 0; the three shares sum to 100. Any other shape is an error: sluice never
// guesses which destination is which.
func (r *Router) setWeights(route map[string]any, s trafficrouting.State, vsNamespace string) (map[string]any, error) {
	dests, _ := route["route"].([]any)
	baseline := -1 // the index of the baseline's destination
	var sides []map[string]any
	for i, raw := range dests {
		d, _ := raw.(map[string]any)
		dest, _ := d["destination"].(map[string]any)
		switch {
		case !r.isBaseline(dest):
			sides = append(sides, d)
		case baseline >= 0:
			return nil, fmt.Errorf("has two destinations to the baselineService %q, want at most one", r.baselineService())
		default:
			baseline = i
		}
	}
	if len(sides) != 2 {
		besides := ""
		if baseline >= 0 {
			besides = " besides the baseline"
		}
		return nil, fmt.Errorf("has %d destinations%s, want exactly the stable and the canary", len(sides), besides)
	}
	var canary map[string]any
	seen := map[string]bool{}
	for _, d := range sides {
		dest, _ := d["destination"].(map[string]any)
		side := r.sideOf(dest)
		switch side {
		case "canary":
			d["weight"] = int64(s.CanaryWeight)
			canary = dest
		case "stable":
			d["weight"] = int64(s.StableWeight())
		default:
			return nil, fmt.Errorf("destination %v is neither the stable nor the canary %s", dest, r.splitBy())
		}
		if err := r.checkSubsetHost(dest, side); err != nil {
			return nil, err
		}
		seen[side] = true
	}
	if len(seen) != 2 {
		return nil, fmt.Errorf("needs one stable and one canary destination")
	}
	switch {
	case s.BaselineWeight == 0 && baseline >= 0:
		dests = slices.Delete(dests, baseline, baseline+1)
	case s.BaselineWeight > 0 && baseline >= 0:
		dests[baseline].(map[string]any)["weight"] = int64(s.BaselineWeight)
	case s.BaselineWeight > 0:
		dests = append(dests, r.baselineDestination(canary, int64(s.BaselineWeight), vsNamespace))
	}
	route["route"] = dests
	return canary, nil
}

// checkSubsetHost refuses a stable or canary subset reached through the
// baselineService's host: the baseline's share goes to that host without a
// subset, and the baselineService selects the baseline's pods, so the two
// would be told apart by the subset alone and the side would reach the wrong
// pods.
func (r *Router) checkSubsetHost(dest map[string]any, side string) error {
	service := r.baselineService()
	if r.spec.DestinationRule == nil || service == "" {
		return nil
	}
	if host, _ := dest["host"].(string); hostIs(host, service) {
		return fmt.Errorf("destination %v sends the %s subset through the baselineService %q; the baseline needs a Service of its own", dest, side, service)
	}
	return nil
}

// checkState refuses weights no route may carry (SPEC §2.7 rule 4), and a
// baseline share with no Service to send it to, before anything is edited.
func (r *Router) checkState(s trafficrouting.State) error {
	if err := trafficrouting.CheckWeights(s); err != nil {
		return err
	}
	if s.BaselineWeight > 0 && r.baselineService() == "" {
		return fmt.Errorf("a baseline weight of %d needs spec.strategy.canary.baselineService", s.BaselineWeight)
	}
	return nil
}

// sideOf tells which side a destination is: by subset for a subset split, by
// Service host ("web-canary" or "web-canary.ns.svc.cluster.local") otherwise.
func (r *Router) sideOf(dest map[string]any) string {
	if dr := r.spec.DestinationRule; dr != nil {
		switch subset, _ := dest["subset"].(string); subset {
		case dr.CanarySubsetName:
			return "canary"
		case dr.StableSubsetName:
			return "stable"
		}
		return ""
	}
	host, _ := dest["host"].(string)
	canary := r.ro.Spec.Strategy.Canary
	switch {
	case host == canary.CanaryService || strings.HasPrefix(host, canary.CanaryService+"."):
		return "canary"
	case host == canary.StableService || strings.HasPrefix(host, canary.StableService+"."):
		return "stable"
	}
	return ""
}

func (r *Router) splitBy() string {
	if dr := r.spec.DestinationRule; dr != nil {
		return fmt.Sprintf("subset (%s, %s)", dr.StableSubsetName, dr.CanarySubsetName)
	}
	return "Service host"
}

func tlsMatches(m map[string]any, sel v1alpha1.TLSRoute) bool {
	if !portMatches(m, sel.Port) {
		return false
	}
	hosts, _ := m["sniHosts"].([]any)
	for _, want := range sel.SNIHosts {
		if !slices.Contains(hosts, any(want)) {
			return false
		}
	}
	return true
}

func portMatches(m map[string]any, port int64) bool {
	if port == 0 {
		return true
	}
	got, _ := m["port"].(int64)
	return got == port
}

func routeName(route any) string {
	m, _ := route.(map[string]any)
	name, _ := m["name"].(string)
	return name
}

func setOrDelete(obj map[string]any, list []any, field string) error {
	if len(list) == 0 {
		unstructured.RemoveNestedField(obj, "spec", field)
		return nil
	}
	return unstructured.SetNestedSlice(obj, list, "spec", field)
}
