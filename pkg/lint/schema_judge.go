package lint

import (
	"fmt"
	"regexp"
)

// The CRD constraints of issue 18: the judge metric provider and the canary's
// baseline. TestLintSchemaMatchesCRDs keeps them equal to the CRDs like the
// rest of the table.

const judgeDurationPattern = `^([0-9]+(ms|s|m|h))+$`

// judgeSchema is provider.judge of a metric.
func judgeSchema(p string) []schemaRule {
	q := p + ".metrics[]"
	return []schemaRule{
		required(p, "baselineScope", "canaryScope", "metrics"),
		cel(p, "self.marginal <= self.pass", marginalNotAbovePass),
		pattern(p+".alpha", `^0?\.[0-9]+$`, `a fraction such as "0.05"`),
		minLength(p+".baselineScope", 1),
		minLength(p+".canaryScope", 1),
		maxItems(p+".groups", 20),
		listMapKey(p+".groups", "name"),
		required(p+".groups[]", "name", "weight"),
		minLength(p+".groups[].name", 1),
		minimum(p+".groups[].weight", 0),
		required(p+".headers[]", "key", "value"),
		minLength(p+".headers[].key", 1),
		minimum(p+".marginal", 0),
		maximum(p+".marginal", 100),
		minItems(p+".metrics", 1),
		maxItems(p+".metrics", 50),
		listMapKey(p+".metrics", "name"),
		required(q, "name"),
		cel(q, "self.type != 'ratio' || (has(self.events) && has(self.total) && !has(self.query))", judgeQueryFields),
		// One Go check covers both type rules; the second carries none.
		cel(q, "self.type != 'series' || (has(self.query) && !has(self.events) && !has(self.total))", nil),
		enum(q+".direction", "increase", "decrease", "either"),
		pattern(q+".effectSize.allowedDecrease", `^[0-9]+(\.[0-9]+)?$`, `a ratio such as "0.9"`),
		pattern(q+".effectSize.allowedIncrease", `^[0-9]+(\.[0-9]+)?$`, `a ratio such as "1.1"`),
		minimum(q+".minSamples", 1),
		minLength(q+".name", 1),
		maxLength(q+".name", 63),
		enum(q+".nan", "remove", "replace"),
		enum(q+".outliers", "keep", "remove"),
		enum(q+".type", "series", "ratio"),
		// The CRD takes AnalysisPhase's enum; the provider refuses all but
		// Inconclusive and Failed when the run starts.
		enum(p+".noData", "Inconclusive", "Failed"),
		minimum(p+".pass", 0),
		maximum(p+".pass", 100),
		pattern(p+".resolution", judgeDurationPattern, `a duration such as "15s"`),
		minimum(p+".timeout", 1),
		pattern(p+".warmup", judgeDurationPattern, `a duration such as "60s" or "2m"`),
	}
}

// baselineSchema is the canary's baseline and baselineService.
func baselineSchema(p string) []schemaRule {
	return []schemaRule{
		cel(p, "!has(self.baseline) || !has(self.trafficRouting) || has(self.baselineService)", baselineServiceForRouting),
		cel(p, "!has(self.baselineService) || ((!has(self.stableService) || self.baselineService != self.stableService) && (!has(self.canaryService) || self.baselineService != self.canaryService))", baselineServiceOwn),
		maxLength(p+".baseline.replicas", 12),
		baselineReplicas(p + ".baseline.replicas"),
	}
}

// baselineReplicas mirrors the rule on baseline.replicas: a number of pods
// (not negative), matchCanary, or a percentage.
func baselineReplicas(path string) schemaRule {
	rule := `type(self) == int ? self >= 0 : (self == 'matchCanary' || self.matches('^[0-9]+%$'))`
	percent := regexp.MustCompile(`^[0-9]+%$`)
	return schemaRule{path, "x-kubernetes-validations", rule, func(at string, v any, report reporter) {
		if n, ok := number(v); ok && n < 0 {
			report(at, fmt.Sprintf("must not be negative, got %v", v))
		}
		if s, ok := v.(string); ok && s != "matchCanary" && !percent.MatchString(s) {
			report(at, fmt.Sprintf("%q is not matchCanary, a number of pods or a percentage such as \"20%%\"", s))
		}
	}}
}

// marginalNotAbovePass mirrors "self.marginal <= self.pass", with the API's
// defaults (pass 95, marginal 75) for a field left out.
func marginalNotAbovePass(at string, m map[string]any, report reporter) {
	pass, ok := number(m["pass"])
	if !ok {
		pass = 95
	}
	marginal, ok := number(m["marginal"])
	if !ok {
		marginal = 75
	}
	if marginal > pass {
		report(joinPath(at, "marginal"), fmt.Sprintf("marginal %v is above pass %v; a score from marginal up to pass is Inconclusive, so marginal must not be higher", marginal, pass))
	}
}

// judgeQueryFields mirrors the two rules on a judge metric's queries: a
// series metric (the default type) sets query, a ratio metric events and total.
func judgeQueryFields(at string, m map[string]any, report reporter) {
	typ, _ := m["type"].(string)
	switch typ {
	case "", "series":
		if m["query"] == nil || m["events"] != nil || m["total"] != nil {
			report(at, "a series metric sets query (and not events or total)")
		}
	case "ratio":
		if m["events"] == nil || m["total"] == nil || m["query"] != nil {
			report(at, "a ratio metric sets events and total (and not query)")
		}
	}
}

// baselineServiceForRouting mirrors the rule that a baseline with a router
// needs a baselineService.
func baselineServiceForRouting(at string, m map[string]any, report reporter) {
	if m["baseline"] != nil && m["trafficRouting"] != nil && m["baselineService"] == nil {
		report(joinPath(at, "baselineService"), "required with baseline and trafficRouting: the router sends the baseline's share to this Service")
	}
}

// baselineServiceOwn mirrors the rule that the baselineService is neither the
// stable nor the canary Service.
func baselineServiceOwn(at string, m map[string]any, report reporter) {
	baseline, ok := m["baselineService"].(string)
	if !ok {
		return
	}
	for _, f := range []string{"stableService", "canaryService"} {
		if other, _ := m[f].(string); m[f] != nil && other == baseline {
			report(joinPath(at, "baselineService"), fmt.Sprintf("%q is also the %s; the baseline needs a Service of its own", baseline, f))
		}
	}
}
