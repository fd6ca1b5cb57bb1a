package view

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// A run's screen keeps its columns in colour, has no trailing blanks, and
// keeps a provider's multi-line error on its measurement's row.
func TestAnalysisRunLayout(t *testing.T) {
	finished := metav1.NewTime(now.Add(-time.Minute))
	run := &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "default"},
		Spec: v1alpha1.AnalysisRunSpec{Metrics: []v1alpha1.Metric{{Name: "web", Count: ptr(intstr.FromString("{{args.n}}")),
			Provider: v1alpha1.MetricProvider{Web: &v1alpha1.WebMetric{URL: "http://x"}}}}},
		Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseError, Message: "metric \"web\" is Error",
			MetricResults: []v1alpha1.MetricResult{{Name: "web", Phase: v1alpha1.AnalysisPhaseError, Error: 1, ConsecutiveError: 1,
				Measurements: []v1alpha1.Measurement{{Phase: v1alpha1.AnalysisPhaseError, FinishedAt: &finished, Message: "status 500:\n<html>\n  broken"}}}}},
	}
	plainOut := RenderAnalysisRun(run, now, Style{})
	colourOut := RenderAnalysisRun(run, now, Style{Color: true})
	if plainOut == colourOut {
		t.Fatal("no colour in coloured output")
	}
	if got := ansi.ReplaceAllString(colourOut, ""); got != plainOut {
		t.Errorf("coloured layout differs:\n%s\nplain:\n%s", got, plainOut)
	}
	for _, line := range strings.Split(plainOut, "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing blank in %q", line)
		}
	}
	for _, want := range []string{"  60s  ✖ Error         status 500: <html> broken\n", "  Count:         0 of {{args.n}}\n"} {
		if !strings.Contains(plainOut, want) {
			t.Errorf("missing %q in\n%s", want, plainOut)
		}
	}
}
