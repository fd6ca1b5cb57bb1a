package view

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The facts the dashboard shows of a run's metrics are the ones
// `get analysisrun` prints, worded the same.
func TestRunMetricFactsMatchTheScreen(t *testing.T) {
	isController := true
	run := &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{Name: "web-abc-2-1", Namespace: "default",
			Labels:          map[string]string{v1alpha1.AnalysisKindLabel: string(v1alpha1.AnalysisKindStep)},
			OwnerReferences: []metav1.OwnerReference{{Kind: "Rollout", Name: "web", Controller: &isController}}},
		Spec: v1alpha1.AnalysisRunSpec{Metrics: []v1alpha1.Metric{
			{Name: "error-rate", Interval: "30s", Count: ptr(intstr.FromInt32(5)), FailureLimit: ptr(intstr.FromInt32(1)),
				Provider: v1alpha1.MetricProvider{Prometheus: &v1alpha1.PrometheusMetric{Query: "rate(errors{token=\"{{args.token}}\"}[1m])"}}},
			{Name: "smoke", Provider: v1alpha1.MetricProvider{Web: &v1alpha1.WebMetric{URL: "http://x"}}},
		}},
		Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseRunning, MetricResults: []v1alpha1.MetricResult{
			{Name: "error-rate", Phase: v1alpha1.AnalysisPhaseRunning, Count: 3, Successful: 2, Failed: 1, Error: 2, ConsecutiveError: 1,
				Metadata: map[string]string{"resolvedQuery": "rate(errors{token=\"*****\"}[1m])"}},
			{Name: "gone", Phase: v1alpha1.AnalysisPhaseSuccessful, DryRun: true},
		}},
	}
	screen := RenderAnalysisRun(run, now, Style{})
	facts := RunMetricFacts(run)
	if len(facts) != 3 || facts[0].Result.Name != "error-rate" || facts[1].Result.Name != "smoke" || facts[2].Result.Name != "gone" {
		t.Fatalf("facts are not the spec's metrics in order, then the result the spec no longer names: %+v", facts)
	}
	for _, f := range facts {
		for _, text := range []string{f.Phase, f.Count, f.Failed, f.Inconclusive, f.Errors, f.Query, f.Provider} {
			if !strings.Contains(screen, text) {
				t.Errorf("metric %s: %q is not on the get analysisrun screen:\n%s", f.Result.Name, text, screen)
			}
		}
	}
	if facts[1].Phase != "Pending" || facts[2].Phase != "Successful (dry run)" || facts[2].Spec != nil {
		t.Errorf("phases %q, %q (spec %v), want Pending and Successful (dry run) without a spec", facts[1].Phase, facts[2].Phase, facts[2].Spec)
	}
	if rollout, kind := RunRollout(run); rollout != "web" || kind != "step" || !strings.Contains(screen, "web (step analysis)") {
		t.Errorf("RunRollout = %q, %q; want web, step as the screen says", rollout, kind)
	}
}
