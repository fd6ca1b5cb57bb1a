package convert

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sluice-dev/sluice/analysis/metricmatch"
)

// warnChangedMetricRules warns about the dryRun and measurementRetention rules
// of an Argo template or run that name other metrics in sluice. Both read
// metricName as a regular expression, and the rules carry over unchanged, but
// Argo Rollouts matches it anywhere in a metric name and sluice only whole
// names (see package metricmatch): Argo's `metricName: error` also names
// error-rate, sluice's does not, and a run of it ends in Error. Rules in a
// Rollout's analysis are not checked: their metrics are in other documents.
func (c *Converter) warnChangedMetricRules(prefix string, obj map[string]any) {
	spec, _ := obj["spec"].(map[string]any)
	var metrics []string
	for _, m := range listOf(spec["metrics"]) {
		if name, ok := m["name"].(string); ok {
			metrics = append(metrics, name)
		}
	}
	for _, field := range []string{"dryRun", "measurementRetention"} {
		for i, rule := range listOf(spec[field]) {
			text, _ := rule["metricName"].(string)
			argo, sluice := argoMatches(text, metrics), sluiceMatches(text, metrics)
			if len(argo) == 0 || slices.Equal(argo, sluice) {
				continue // the same, or an Argo run of it failed anyway (a rule must name a metric)
			}
			c.warnings = append(c.warnings, fmt.Sprintf(
				"%s: spec.%s[%d].metricName %q names %s in Argo Rollouts, which matches anywhere in a metric name, but %s in sluice, which matches whole names; write %q to keep Argo's meaning",
				prefix, field, i, text, metricList(argo), metricList(sluice), unanchored(text)))
		}
	}
}

// argoMatches are the metrics Argo Rollouts names by a metricName: the
// expression found anywhere in the name. One that does not compile names none.
func argoMatches(text string, metrics []string) []string {
	re, err := regexp.Compile(text)
	if err != nil {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(metrics), func(m string) bool { return !re.MatchString(m) })
}

// sluiceMatches are the metrics sluice names by a metricName.
func sluiceMatches(text string, metrics []string) []string {
	p := metricmatch.Compile(text)
	return slices.DeleteFunc(slices.Clone(metrics), func(m string) bool { return !p.Matches(m) })
}

// unanchored is a metricName that matches in sluice what text matches in Argo.
func unanchored(text string) string {
	if strings.Contains(text, "|") {
		return ".*(" + text + ").*"
	}
	return ".*" + text + ".*"
}

func metricList(metrics []string) string {
	if len(metrics) == 0 {
		return "no metric"
	}
	return strings.Join(metrics, ", ")
}

// listOf is a YAML list of mappings, skipping anything else.
func listOf(v any) []map[string]any {
	items, _ := v.([]any)
	var out []map[string]any
	for _, item := range items {
		if m, ok := item.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}
