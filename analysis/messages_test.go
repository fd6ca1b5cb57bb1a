package analysis

import (
	"testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The messages of a metric that ends count what they count in correct
// English: "1 error", never "1 errors".
func TestMetricPhaseMessagesCountNouns(t *testing.T) {
	s, f, e, i := successful, failed, errored, inconclusive
	withMessage := func(phases ...v1alpha1.AnalysisPhase) *v1alpha1.MetricResult {
		r := counts(phases...)
		r.Measurements[len(r.Measurements)-1].Message = "boom"
		return r
	}
	tests := []struct {
		name        string
		metric      *metric
		result      *v1alpha1.MetricResult
		terminating bool
		want        string
	}{
		{"one error, terminated", limits(0, 0, 0, 4), withMessage(e), true, "no successful measurement and 1 error: boom"},
		{"two errors, terminated", limits(0, 0, 0, 4), withMessage(e, e), true, "no successful measurement and 2 errors: boom"},
		{"one consecutive error over limit 0", limits(3, 0, 0, 0), withMessage(e), false, "1 consecutive error (consecutiveErrorLimit 0): boom"},
		{"three consecutive errors", limits(3, 0, 0, 2), withMessage(e, e, e), false, "3 consecutive errors (consecutiveErrorLimit 2): boom"},
		{"one of one measurement failed", limits(3, 0, 0, 4), counts(f), false, "1 of 1 measurement failed (failureLimit 0)"},
		{"two of three measurements failed", limits(5, 1, 0, 4), counts(s, f, f), false, "2 of 3 measurements failed (failureLimit 1)"},
		{"one of one measurement inconclusive", limits(3, 0, 0, 4), counts(i), false, "1 of 1 measurement inconclusive (inconclusiveLimit 0)"},
		{"one of one failed, terminated", limits(0, -1, 0, 4), counts(f), true, "no successful measurement: 1 of 1 measurement failed"},
		{"two of two inconclusive, terminated", limits(0, 0, -1, 4), counts(i, i), true, "no successful measurement: 2 of 2 measurements inconclusive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := metricPhase(tt.metric, tt.result, tt.terminating); got != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
		})
	}
}
