package rollout

import (
	"fmt"
	"strings"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// maxCauseLength bounds the cause of a run's outcome as the Rollout repeats
// it (status.message, the Progressing condition, the RolloutAborted event): a
// provider's error can carry a whole response body.
const maxCauseLength = 300

// runCause says in one bounded line why a completed run is not Successful:
// the metric that decided it (the first non-dry-run metric in the run's phase,
// as the run's verdict takes it) and what went wrong there, e.g.
// `metric "error-rate": query returned no data`. A run that ended before any
// metric decided (an argument it cannot resolve) gives its own message.
func runCause(run *v1alpha1.AnalysisRun) string {
	st := &run.Status
	for i := range st.MetricResults {
		r := &st.MetricResults[i]
		if r.DryRun || r.Phase != st.Phase {
			continue
		}
		cause := fmt.Sprintf("metric %q", r.Name)
		if why := metricCause(r); why != "" {
			cause += ": " + why
		}
		return boundedLine(cause, maxCauseLength)
	}
	return boundedLine(st.Message, maxCauseLength)
}

// metricCause is what went wrong with a metric: for an Error, the message of
// its latest errored measurement (the provider's own words); otherwise the
// metric's verdict against its limits and the value it measured last.
func metricCause(r *v1alpha1.MetricResult) string {
	var last *v1alpha1.Measurement
	for i := len(r.Measurements) - 1; i >= 0; i-- {
		m := &r.Measurements[i]
		if r.Phase == v1alpha1.AnalysisPhaseError && m.Phase == v1alpha1.AnalysisPhaseError && m.Message != "" {
			return m.Message
		}
		if last == nil && m.Phase.Completed() && m.Phase != v1alpha1.AnalysisPhaseError {
			last = m
		}
	}
	why := r.Message
	if last != nil && last.Value != "" && r.Phase != v1alpha1.AnalysisPhaseError {
		if why != "" {
			why += ", "
		}
		why += "last value " + last.Value
	}
	return why
}

// boundedLine folds text onto one line (runs of blanks and line breaks become
// one space) and cuts it to at most limit characters, marking a cut with "…".
func boundedLine(text string, limit int) string {
	line := []rune(strings.Join(strings.Fields(text), " "))
	if len(line) <= limit {
		return string(line)
	}
	return string(line[:limit-1]) + "…"
}
