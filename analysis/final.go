package analysis

import (
	"fmt"

	"github.com/sluice-dev/sluice/analysis/evaluate"
	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// A measurement's error is usually worth retrying: the network, a server
// restart, data not there yet. Some are not: Prometheus rejected the query as
// invalid, or a condition does not fit the type of value the query returns.
// Retrying those until consecutiveErrorLimit only delays the verdict (about 40 s
// with the defaults) and the abort it causes; the metric ends Error at the
// first one instead. Error, not Failed: nothing was learned about the release,
// the analysis itself is broken.

// finalReason says why a measurement error cannot pass on a later try, or ""
// when it may. measureErr is the provider's error, judgeErr the conditions'.
func finalReason(measureErr, judgeErr error, outcome provider.Outcome) string {
	if measureErr != nil {
		return provider.PermanentReason(measureErr)
	}
	if outcome.TypeFixed && evaluate.IsTypeError(judgeErr) {
		return "the condition does not fit the type of value the query returns"
	}
	return ""
}

// endOnFinalError ends a metric in Error when its latest measurement failed
// for good (see finalReason), whatever its consecutiveErrorLimit.
func endOnFinalError(r *v1alpha1.MetricResult, f finishedMeasurement) {
	if f.finalReason == "" || f.measurement.Phase != v1alpha1.AnalysisPhaseError || r.Phase.Completed() {
		return
	}
	r.Phase = v1alpha1.AnalysisPhaseError
	r.Message = fmt.Sprintf("%s (not retried: %s)", f.measurement.Message, f.finalReason)
}
