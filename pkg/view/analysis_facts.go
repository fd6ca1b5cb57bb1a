package view

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// MetricFacts is what `get analysisrun` says about one metric, as data, so
// the dashboard's analysis page shows the same facts worded the same way.
type MetricFacts struct {
	// Spec is the metric as the run's spec names it; nil for a result whose
	// metric the spec no longer names.
	Spec *v1alpha1.Metric
	// Result is the metric's status (zero before its first measurement).
	Result v1alpha1.MetricResult
	// Phase is the metric's phase, "Pending" before the controller wrote one,
	// with " (dry run)" for a dry-run metric.
	Phase string
	// Provider names the provider ("prometheus", "web", "job").
	Provider string
	// Query is the resolved query kept in status. The controller masks every
	// secret argument in it before writing it (analysis/args.go), so it is
	// shown as it is.
	Query string
	// Count is the measurements taken against count ("3 of 5").
	Count string
	// Failed, Inconclusive and Errors are those counts against their limits:
	// "1 (failureLimit 0)", "0 (inconclusiveLimit 0)", "2, 1 in a row
	// (consecutiveErrorLimit 4)".
	Failed, Inconclusive, Errors string
}

// RunMetricFacts is MetricFacts for every metric of a run, in spec order,
// then results the spec no longer names.
func RunMetricFacts(run *v1alpha1.AnalysisRun) []MetricFacts {
	var out []MetricFacts
	for _, m := range runMetrics(run) {
		r := m.result
		facts := MetricFacts{Spec: m.spec, Result: r, Phase: string(runPhase(r.Phase)), Query: r.Metadata["resolvedQuery"]}
		if r.DryRun {
			facts.Phase += " (dry run)"
		}
		var limits v1alpha1.Metric
		if m.spec != nil {
			limits = *m.spec
			facts.Provider = providerName(m.spec.Provider)
		}
		facts.Count = countText(r.Count, limits)
		facts.Failed = fmt.Sprintf("%d (failureLimit %s)", r.Failed, limitText(limits.FailureLimit, 0))
		facts.Inconclusive = fmt.Sprintf("%d (inconclusiveLimit %s)", r.Inconclusive, limitText(limits.InconclusiveLimit, 0))
		facts.Errors = fmt.Sprintf("%d, %d in a row (consecutiveErrorLimit %s)", r.Error, r.ConsecutiveError,
			limitText(limits.ConsecutiveErrorLimit, v1alpha1.DefaultConsecutiveErrorLimit))
		out = append(out, facts)
	}
	return out
}

// RunRollout is the Rollout a run was made for and the kind of analysis, as
// `get analysisrun` words it ("web", "step"); empty for a run made by hand.
func RunRollout(run *v1alpha1.AnalysisRun) (rollout, kind string) {
	owner := metav1.GetControllerOf(run)
	if owner == nil || owner.Kind != "Rollout" {
		return "", ""
	}
	return owner.Name, kindWords[v1alpha1.AnalysisKind(run.Labels[v1alpha1.AnalysisKindLabel])]
}
