package istio

import (
	"k8s.io/apimachinery/pkg/runtime"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/trafficrouting"
)

// managedHTTPRoutes builds the header and mirror routes of the state, in
// managedRoutes order, to go in front of the VirtualService's own routes:
// Istio takes the first HTTP route that matches.
func (r *Router) managedHTTPRoutes(s trafficrouting.State, canaryDest map[string]any, mainRoute []any) []any {
	byName := map[string]any{}
	for _, h := range s.HeaderRoutes {
		byName[h.Name] = headerRoute(h, canaryDest)
	}
	for _, m := range s.MirrorRoutes {
		byName[m.Name] = mirrorRoute(m, canaryDest, mainRoute)
	}
	return trafficrouting.InManagedOrder(r.ro.Spec.Strategy.Canary.TrafficRouting.ManagedRoutes, byName)
}

// headerRoute sends requests whose headers all match to the canary.
func headerRoute(h v1alpha1.SetHeaderRoute, canaryDest map[string]any) map[string]any {
	headers := map[string]any{}
	for _, m := range h.Match {
		headers[m.HeaderName] = stringMatch(m.HeaderValue)
	}
	return map[string]any{
		"name":  h.Name,
		"match": []any{map[string]any{"headers": headers}},
		"route": []any{map[string]any{"destination": runtime.DeepCopyJSONValue(canaryDest), "weight": int64(100)}},
	}
}

// mirrorRoute serves matching requests as the main route does and copies a
// share of them to the canary.
func mirrorRoute(m v1alpha1.SetMirrorRoute, canaryDest map[string]any, mainRoute []any) map[string]any {
	var matches []any
	for _, rm := range m.Match {
		match := map[string]any{}
		if rm.Method != nil {
			match["method"] = stringMatch(rm.Method)
		}
		if rm.Path != nil {
			match["uri"] = stringMatch(rm.Path)
		}
		if len(rm.Headers) > 0 {
			headers := map[string]any{}
			for name, v := range rm.Headers {
				headers[name] = stringMatch(&v)
			}
			match["headers"] = headers
		}
		matches = append(matches, match)
	}
	// A whole number, as int64: that is how the JSON the API server returns
	// decodes, so an unchanged route compares equal and is not written again.
	percent := int64(v1alpha1.DefaultMirrorPercentage)
	if m.Percentage != nil {
		percent = int64(*m.Percentage)
	}
	return map[string]any{
		"name":             m.Name,
		"match":            matches,
		"route":            runtime.DeepCopyJSONValue(mainRoute),
		"mirror":           runtime.DeepCopyJSONValue(canaryDest),
		"mirrorPercentage": map[string]any{"value": percent},
	}
}

func stringMatch(m *v1alpha1.StringMatch) map[string]any {
	switch {
	case m == nil:
		return map[string]any{}
	case m.Exact != "":
		return map[string]any{"exact": m.Exact}
	case m.Prefix != "":
		return map[string]any{"prefix": m.Prefix}
	default:
		return map[string]any{"regex": m.Regex}
	}
}
