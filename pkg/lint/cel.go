package lint

import (
	"fmt"
	"strings"
)

// Go counterparts of the CRDs' x-kubernetes-validations rules. Each works on the
// parsed object, where a field is set when it is present and not null, as CEL's
// has() sees it after the API server drops nulls. The messages say which fields
// are set, since "exactly one" alone does not tell what to remove.

// setFields returns which of the fields are set in m.
func setFields(m map[string]any, fields ...string) []string {
	var set []string
	for _, f := range fields {
		if m[f] != nil {
			set = append(set, f)
		}
	}
	return set
}

// exactlyOne reports at unless exactly one of the fields is set.
func exactlyOne(fields ...string) func(at string, m map[string]any, report reporter) {
	return func(at string, m map[string]any, report reporter) {
		if set := setFields(m, fields...); len(set) != 1 {
			report(at, exactlyOneMessage(fields, set, m))
		}
	}
}

func exactlyOneMessage(fields, set []string, m map[string]any) string {
	want := "set exactly one of " + orList(fields)
	if len(set) > 0 {
		return fmt.Sprintf("%s are set; %s", andList(set), want)
	}
	for _, f := range fields {
		if v, present := m[f]; present && v == nil {
			// "pause:" with nothing after it is null, which the API server drops.
			return fmt.Sprintf("none is set (%s is null: write %s: {} for an empty value); %s", f, f, want)
		}
	}
	return "none is set; " + want
}

func orList(words []string) string  { return joinWords(words, "or") }
func andList(words []string) string { return joinWords(words, "and") }

func joinWords(words []string, conj string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// canaryScaleOneOf mirrors the setCanaryScale rule, where matchTrafficWeight
// counts only when true.
func canaryScaleOneOf(at string, m map[string]any, report reporter) {
	set := setFields(m, "weight", "replicas")
	if m["matchTrafficWeight"] == true {
		set = append(set, "matchTrafficWeight")
	}
	if len(set) != 1 {
		fields := []string{"weight", "replicas", "matchTrafficWeight: true"}
		if len(set) == 0 {
			report(at, "none is set; set exactly one of "+orList(fields))
			return
		}
		report(at, fmt.Sprintf("%s are set; set exactly one of %s", andList(set), orList(fields)))
	}
}

// templateXorWorkloadRef mirrors "has(self.template) != has(self.workloadRef)".
func templateXorWorkloadRef(at string, m map[string]any, report reporter) {
	switch len(setFields(m, "template", "workloadRef")) {
	case 2:
		report(at, "both template and workloadRef are set; set exactly one: template for the Rollout's own pod template, or workloadRef to use a Deployment's")
	case 0:
		report(at, "neither template nor workloadRef is set; set exactly one: template for the Rollout's own pod template, or workloadRef to use a Deployment's")
	}
}

// differentServices mirrors the canary rule that stableService and canaryService
// differ.
func differentServices(at string, m map[string]any, report reporter) {
	stable, _ := m["stableService"].(string)
	canary, _ := m["canaryService"].(string)
	if m["stableService"] != nil && m["canaryService"] != nil && stable == canary {
		report(joinPath(at, "canaryService"), fmt.Sprintf("stableService and canaryService are both %q; they must be different Services", stable))
	}
}

// servicesForRouting mirrors the rule that trafficRouting needs both Services.
func servicesForRouting(at string, m map[string]any, report reporter) {
	if m["trafficRouting"] == nil {
		return
	}
	for _, f := range []string{"stableService", "canaryService"} {
		if m[f] == nil {
			report(joinPath(at, f), "required with trafficRouting: the router moves traffic between the stable and canary Services")
		}
	}
}

// surgeOrUnavailable mirrors the rule that maxSurge and maxUnavailable are not
// both 0 (0 or "0%", as the CEL rule compares).
func surgeOrUnavailable(at string, m map[string]any, report reporter) {
	isZero := func(v any) bool {
		n, ok := number(v)
		return (ok && n == 0) || v == "0%"
	}
	if isZero(m["maxSurge"]) && isZero(m["maxUnavailable"]) {
		report(at, "maxSurge and maxUnavailable are both 0, so no pod could ever be replaced; make one of them greater than 0")
	}
}

// valueOrValueFrom mirrors "!(has(self.value) && has(self.valueFrom))".
func valueOrValueFrom(at string, m map[string]any, report reporter) {
	if m["value"] != nil && m["valueFrom"] != nil {
		report(at, "value and valueFrom are both set; set one of them")
	}
}

// countNeedsInterval mirrors the metric rule that a count above 1 needs an
// interval. A templated count ("{{args.n}}") is checked when the run starts.
func countNeedsInterval(at string, m map[string]any, report reporter) {
	if n, ok := number(m["count"]); ok && n > 1 && m["interval"] == nil {
		report(joinPath(at, "interval"), fmt.Sprintf("required with count %v: set the time between measurements, e.g. interval: 1m", m["count"]))
	}
}
