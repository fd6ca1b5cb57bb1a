package analysis

import (
	"context"
	"testing"

	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/client/clientset/versioned/fake"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
)

// verdictProvider decides its measurements itself, as the judge does, and
// says why.
type verdictProvider struct{}

func (verdictProvider) Type() string { return "judge" }

func (verdictProvider) Measure(context.Context, *v1alpha1.AnalysisRun, v1alpha1.Metric, *v1alpha1.Measurement) (provider.Outcome, error) {
	return provider.Outcome{Phase: v1alpha1.AnalysisPhaseFailed, Text: `{"score":0,"outcome":"Failed","metrics":[]}`,
		Message: "p99-latency is High (critical)"}, nil
}

func (verdictProvider) Terminate(context.Context, *v1alpha1.AnalysisRun, v1alpha1.Metric, v1alpha1.Measurement) error {
	return nil
}

// TestJudgeMetricIsMeasuredByTheJudge: a metric with provider.judge is
// measured by the judge provider, whose phase and reason the measurement
// keeps.
func TestJudgeMetricIsMeasuredByTheJudge(t *testing.T) {
	m := v1alpha1.Metric{Name: "canary-vs-baseline", Provider: v1alpha1.MetricProvider{Judge: &v1alpha1.JudgeMetric{
		CanaryScope: "a", BaselineScope: "b", Metrics: []v1alpha1.JudgeQuery{{Name: "p99-latency", Query: "q"}}}}}
	h := newHarness(t, newRun(m), &fakeProvider{values: []any{1.0}})
	h.c.providers["judge"] = verdictProvider{}
	run := h.runUntilDone()
	if run.Status.Phase != v1alpha1.AnalysisPhaseFailed {
		t.Fatalf("run %s (%s), want Failed by the judge", run.Status.Phase, run.Status.Message)
	}
	got := run.Status.MetricResults[0].Measurements[0]
	if got.Phase != v1alpha1.AnalysisPhaseFailed || got.Message != "p99-latency is High (critical)" || got.Value == "" {
		t.Errorf("measurement = %+v, want Failed with the judge's value and reason", got)
	}
}

// TestControllerHasJudgeProvider: the controller measures judge metrics
// without being told how.
func TestControllerHasJudgeProvider(t *testing.T) {
	factory := sluiceinformers.NewSharedInformerFactory(fake.NewSimpleClientset(), 0)
	c, err := NewController(Config{Runs: factory.Sluice().V1alpha1().AnalysisRuns()})
	if err != nil {
		t.Fatal(err)
	}
	if p := c.providers["judge"]; p == nil || p.Type() != "judge" {
		t.Errorf("providers = %v, want a judge provider", c.providers)
	}
}
