package analysis

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestDryRunMetricNameIsARegexp: a template moved from Argo Rollouts with
// `dryRun: [{metricName: .*}]` makes every metric dry-run; a failing metric
// must not fail the run.
func TestDryRunMetricNameIsARegexp(t *testing.T) {
	for _, rule := range []string{".*", "error-.*", "*"} {
		t.Run(rule, func(t *testing.T) {
			m := webMetric("error-rate")
			m.SuccessCondition = "result < 0.05"
			run := newRun(m)
			run.Spec.DryRun = []v1alpha1.DryRun{{MetricName: rule}}
			got := newHarness(t, run, &fakeProvider{values: []any{0.5}}).runUntilDone()
			if got.Status.Phase != successful {
				t.Fatalf("phase %s %q, want Successful: the failing metric is dry-run", got.Status.Phase, got.Status.Message)
			}
			if s := got.Status.DryRunSummary; s == nil || s.Failed != 1 {
				t.Errorf("dryRunSummary = %+v, want one Failed metric", s)
			}
		})
	}
}

// TestMetricRuleThatNamesNothingIsError: a dryRun or measurementRetention rule
// that does not compile or matches no metric ends the run in Error, naming the
// rule, before anything is measured.
func TestMetricRuleThatNamesNothingIsError(t *testing.T) {
	tests := []struct {
		name   string
		set    func(*v1alpha1.AnalysisRunSpec)
		expect string
	}{
		{"dryRun matches nothing", func(s *v1alpha1.AnalysisRunSpec) {
			s.DryRun = []v1alpha1.DryRun{{MetricName: "error-rate"}, {MetricName: "latency"}}
		}, `dryRun[1]: metricName "latency" matches no metric`},
		{"dryRun does not compile", func(s *v1alpha1.AnalysisRunSpec) {
			s.DryRun = []v1alpha1.DryRun{{MetricName: "error-(rate"}}
		}, `dryRun[0]: metricName "error-(rate" is not a valid regular expression`},
		{"measurementRetention matches nothing", func(s *v1alpha1.AnalysisRunSpec) {
			s.MeasurementRetention = []v1alpha1.MeasurementRetention{{MetricName: "rate", Limit: 3}}
		}, `measurementRetention[0]: metricName "rate" matches no metric`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := newRun(webMetric("error-rate"))
			tt.set(&run.Spec)
			p := &fakeProvider{values: []any{1}}
			h := newHarness(t, run, p)
			h.sync()
			got := h.run().Status
			if got.Phase != errored || !strings.Contains(got.Message, tt.expect) || p.calls != 0 {
				t.Fatalf("status %s %q after %d measurements, want Error %q before measuring", got.Phase, got.Message, p.calls, tt.expect)
			}
		})
	}
}

// TestMeasurementRetentionMetricNameIsARegexp: a retention rule given as an
// expression applies to every metric it matches.
func TestMeasurementRetentionMetricNameIsARegexp(t *testing.T) {
	m := webMetric("error-rate")
	m.Count, m.Interval = ptr(intstr.FromInt32(4)), "1s"
	run := newRun(m)
	run.Spec.MeasurementRetention = []v1alpha1.MeasurementRetention{{MetricName: "error-.*", Limit: 2}}
	got := newHarness(t, run, &fakeProvider{values: []any{1}}).runUntilDone()
	if r := resultOf(got, "error-rate"); len(r.Measurements) != 2 || r.Count != 4 {
		t.Fatalf("kept %d of %d measurements, want the newest 2", len(r.Measurements), r.Count)
	}
}
