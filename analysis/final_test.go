package analysis

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// An error that no retry can cure ends the metric, and so the run, in Error at
// the first measurement, whatever consecutiveErrorLimit allows; one that may
// pass is still retried up to the limit.
func TestRunEndsAtOnceOnFinalErrors(t *testing.T) {
	invalid := provider.Permanent(errors.New(`Prometheus at http://prom: query failed (HTTP 400 Bad Request, bad_data): 1:14: parse error: unexpected "}"`),
		"Prometheus rejects the query itself")
	tests := []struct {
		name      string
		condition string
		provider  *fakeProvider
		calls     int    // measurements taken before the run ended in Error
		message   string // the run's message
	}{
		{
			name: "the server rejects the query", provider: &fakeProvider{values: []any{1}, errs: []error{invalid}},
			calls:   1,
			message: `metric "m" is Error: Prometheus at http://prom: query failed (HTTP 400 Bad Request, bad_data): 1:14: parse error: unexpected "}" (not retried: Prometheus rejects the query itself)`,
		},
		{
			name: "a condition that does not fit a query's vector", condition: "result > 0.5",
			provider: &fakeProvider{values: []any{[]float64{0.1}}, typeFixed: true},
			calls:    1,
			message:  `metric "m" is Error: successCondition "result > 0.5" could not be evaluated: invalid operation: []float64 > float64 (1:8) (not retried: the condition does not fit the type of value the query returns)`,
		},
		{
			name: "the same type error on JSON, whose shape may change", condition: "result > 0.5",
			provider: &fakeProvider{values: []any{[]float64{0.1}}},
			calls:    5, // consecutiveErrorLimit 4
			message:  `metric "m" is Error: 5 consecutive errors (consecutiveErrorLimit 4): successCondition "result > 0.5" could not be evaluated: invalid operation: []float64 > float64 (1:8)`,
		},
		{
			name: "a network error", provider: &fakeProvider{values: []any{1}, errs: []error{errors.New("connection refused"), errors.New("connection refused"),
				errors.New("connection refused"), errors.New("connection refused"), errors.New("connection refused")}},
			calls:   5,
			message: `metric "m" is Error: 5 consecutive errors (consecutiveErrorLimit 4): connection refused`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := webMetric("m")
			m.SuccessCondition = tt.condition
			h := newHarness(t, newRun(m), tt.provider)
			run := h.runUntilDone()
			if run.Status.Phase != v1alpha1.AnalysisPhaseError || tt.provider.calls != tt.calls {
				t.Errorf("phase %s after %d measurements, want Error after %d", run.Status.Phase, tt.provider.calls, tt.calls)
			}
			if run.Status.Message != tt.message {
				t.Errorf("message:\n%s\nwant:\n%s", run.Status.Message, tt.message)
			}
			r := resultOf(run, "m")
			if last := r.Measurements[len(r.Measurements)-1]; last.Phase != v1alpha1.AnalysisPhaseError || !strings.Contains(tt.message, last.Message) {
				t.Errorf("last measurement %s %q", last.Phase, last.Message)
			}
		})
	}
}

// A dry-run metric that fails for good ends Error at once too, and the run
// goes on without it.
func TestFinalErrorOfDryRunMetric(t *testing.T) {
	m, other := webMetric("m"), webMetric("other")
	run := newRun(m, other)
	run.Spec.DryRun = []v1alpha1.DryRun{{MetricName: "m"}}
	p := &fakeProvider{values: []any{1}, errFor: map[string]error{"m": provider.Permanent(errors.New("bad query"), "rejected")}}
	h := newHarness(t, run, p)
	got := h.runUntilDone()
	if got.Status.Phase != v1alpha1.AnalysisPhaseSuccessful {
		t.Errorf("run %s %q, want Successful: a dry-run metric never decides", got.Status.Phase, got.Status.Message)
	}
	if r := resultOf(got, "m"); r.Phase != v1alpha1.AnalysisPhaseError || r.Message != "bad query (not retried: rejected)" {
		t.Errorf("dry-run metric %s %q", r.Phase, r.Message)
	}
}
