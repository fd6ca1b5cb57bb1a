package lint

import (
	"fmt"
	"slices"
)

// The baseline's share in the routing objects (issue 18). While a baseline
// runs, the router sends it to the baselineService: a third destination in each
// weighted VirtualService route (by Service host, without a subset, whatever
// the split) or a third backendRef in each weighted HTTPRoute rule. sluice adds
// it while the baseline has a share and removes it at 0, so a route may carry
// it or not; a route may hold at most one, and with a subset split the stable
// and canary subsets must not be reached through the baselineService's host.

// splitBaseline sets the baseline's destinations of a route apart from the
// others, and describes what in them sluice could not weight. With no
// baselineService every destination is one of the others.
func (s split) splitBaseline(dests []any) (others []any, problems []string) {
	baselines := 0
	for _, d := range dests {
		dest := asMap(valueAt(asMap(d), "destination"))
		host, _ := dest["host"].(string)
		subset, _ := dest["subset"].(string)
		onBaselineHost := s.baseline != "" && (split{by: "host"}).matches(dest, s.baseline)
		switch {
		case onBaselineHost && (s.by == "host" || subset == ""):
			baselines++
			continue
		case onBaselineHost && slices.Contains([]string{s.stable, s.canary}, subset):
			problems = append(problems, fmt.Sprintf("the subset %q on the baselineService's host %q (the baseline's share goes to that host without a subset; give the subsets a host of their own)", subset, host))
		}
		others = append(others, d)
	}
	if baselines > 1 {
		problems = append(problems, fmt.Sprintf("%d destinations to the baselineService %q, where it weights at most one", baselines, s.baseline))
	}
	return others, problems
}

// baselineClause completes the description of the destinations sluice
// weights when the Rollout has a baselineService.
func (s split) baselineClause() string {
	if s.baseline == "" {
		return ""
	}
	return fmt.Sprintf(", and while a baseline runs one more to the baselineService %q", s.baseline)
}

// httpRouteBaselineProblem says what in the weighted rules of an HTTPRoute
// keeps sluice from sending the baseline's share, or "": a rule naming both
// Services and the baselineService more than once.
func httpRouteBaselineProblem(route *lintObject, stable, canary, baseline string) string {
	if baseline == "" {
		return ""
	}
	rules, _ := valueAt(route.raw, "spec.rules").([]any)
	for i, rule := range rules {
		refs, _ := asMap(rule)["backendRefs"].([]any)
		names := serviceBackends(refs)
		if !slices.Contains(names, stable) || !slices.Contains(names, canary) {
			continue
		}
		if n := len(slices.DeleteFunc(names, func(name string) bool { return name != baseline })); n > 1 {
			return fmt.Sprintf("rule %d has %d backendRefs to the baselineService %q; sluice weights at most one beside the stable and canary Services", i, n, baseline)
		}
	}
	return ""
}
