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
	http, _, _ := unstructured.NestedSlice(obj, "spec", "http")
	http = slices.DeleteFunc(http, func(route any) bool { return r.managed[routeName(route)] })
	var canaryDest map[string]any
	var mainRoute []any
	for _, i := range r.weightedHTTP(http, ref) {
		if i < 0 {
			return r.missingRoute(http, ref)
		}
		route := http[i].(map[string]any)
		dests, _ := route["route"].([]any)
		canary, err := r.setWeights(dests, s)
		if err != nil {
			return fmt.Errorf("http route %q: %w", routeName(route), err)
		}
		if canaryDest == nil {
			canaryDest, mainRoute = canary, dests
		}
	}
	if len(s.HeaderRoutes)+len(s.MirrorRoutes) > 0 && canaryDest == nil {
		return fmt.Errorf("header and mirror routes need a weighted http route")
	}
	http = append(r.managedHTTPRoutes(s, canaryDest, mainRoute), http...)
	if err := setOrDelete(obj, http, "http"); err != nil {
		return err
	}
	if err := r.setMatchedWeights(obj, "tls", len(ref.TLSRoutes), func(m map[string]any, i int) bool { return tlsMatches(m, ref.TLSRoutes[i]) }, s); err != nil {
		return err
	}
	return r.setMatchedWeights(obj, "tcp", len(ref.TCPRoutes), func(m map[string]any, i int) bool { return portMatches(m, ref.TCPRoutes[i].Port) }, s)
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
func (r *Router) setMatchedWeights(obj map[string]any, field string, n int, matches func(map[string]any, int) bool, s trafficrouting.State) error {
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
			dests, _ := route["route"].([]any)
			if _, err := r.setWeights(dests, s); err != nil {
				return fmt.Errorf("%s route %d: %w", field, i, err)
			}
		}
		if !found {
			return fmt.Errorf("no %s route matches %s selector %d", field, field, i)
		}
	}
	return setOrDelete(obj, routes, field)
}

// setWeights sets the two destinations of a route — stable and canary — and
// returns the canary's destination. Any other shape is an error: sluice never
// guesses which destination is which.
func (r *Router) setWeights(dests []any, s trafficrouting.State) (map[string]any, error) {
	if len(dests) != 2 {
		return nil, fmt.Errorf("has %d destinations, want exactly the stable and the canary", len(dests))
	}
	var canary map[string]any
	seen := map[string]bool{}
	for _, raw := range dests {
		d, _ := raw.(map[string]any)
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
		seen[side] = true
	}
	if len(seen) != 2 {
		return nil, fmt.Errorf("needs one stable and one canary destination")
	}
	return canary, nil
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
