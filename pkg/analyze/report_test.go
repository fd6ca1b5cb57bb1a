package analyze

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/analysis"
	"github.com/sluice-dev/sluice/analysis/provider/judge/judgevalue"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

func num(f float64) *judgevalue.Number { n := judgevalue.Number(f); return &n }

func measured(phase v1alpha1.AnalysisPhase, value, message string) v1alpha1.Measurement {
	return v1alpha1.Measurement{Phase: phase, Value: value, Message: message}
}

func TestRenderShowsEachMetricAndTheJudgeTable(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	verdict := judgevalue.Encode(judgevalue.Record{Score: 0, Outcome: "Failed", Reason: "critical error-ratio High",
		Metrics: []judgevalue.Metric{
			{Name: "error-ratio", Class: "High", Critical: true, P: num(0.0001), Effect: num(4), Estimate: num(0.015),
				Interval: []judgevalue.Number{0.01, 0.02}, N: []int{6000, 6000}, Reason: "canary higher"},
			{Name: "p99-latency", Class: "Pass", P: num(0.42), Effect: num(1.01), Estimate: num(1.2),
				Interval: []judgevalue.Number{-3, 5}, N: []int{20, 20}},
		}})
	r := Report{
		Template: TemplateRef{Name: "istio-judge", ClusterScope: true}, From: "the cluster",
		Rollout:     "shop/web, the values of spec.strategy.canary.steps[1].analysis",
		Args:        []ArgShown{{"namespace", "shop"}, {"canary-hash", "abc"}},
		WindowStart: now.Add(-5 * time.Minute), Now: now,
		Results: []analysis.Once{
			{Metric: "success-rate", Provider: "prometheus", Measurement: measured(v1alpha1.AnalysisPhaseSuccessful, "[99.9]", ""),
				Metadata: map[string]string{"resolvedQuery": "sum(rate(x[1m]))\n/ sum(rate(y[1m]))"}},
			{Metric: "judge", Provider: "judge", Measurement: measured(v1alpha1.AnalysisPhaseFailed, verdict, "Failed: critical error-ratio High; score 0")},
			{Metric: "smoke", Provider: "job", Skipped: "a job metric measures by running a Job, which would write to the cluster"},
		},
	}
	out := Render(r, view.Style{})
	for _, want := range []string{
		"Template:  ClusterAnalysisTemplate istio-judge (from the cluster)\n",
		"Rollout:   shop/web, the values of spec.strategy.canary.steps[1].analysis\n",
		"Arguments: namespace=shop canary-hash=abc\n",
		"Window:    judge metrics compare from ",
		"(5m0s ago, warmup added) to now, as one look with the whole alpha\n",
		"success-rate  prometheus  ✔ Successful  [99.9]\n",
		"judge         judge       ✖ Failed      score 0\n",
		"smoke         job         - not run     \n",
		"  query: sum(rate(x[1m])) / sum(rate(y[1m]))\n",
		"  Failed: critical error-ratio High; score 0\n",
		"not run: a job metric measures by running a Job",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// The judge's table: a row per compared metric with its numbers.
	for _, row := range [][]string{
		{"error-ratio", "High", "0.0001", "4", "0.015", "[0.01, 0.02]", "6000/6000", "canary higher"},
		{"p99-latency", "Pass", "0.42", "1.01", "1.2", "[-3, 5]", "20/20"},
	} {
		if !hasLineWith(out, row...) {
			t.Errorf("no judge table row with %v:\n%s", row, out)
		}
	}
	if Passed(r.Results) {
		t.Error("Passed with a Failed judge")
	}
}

func hasLineWith(text string, parts ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestRenderExplainsAJudgeStillWarmingUp(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	resume := metav1.NewTime(now.Add(25 * time.Second))
	out := Render(Report{Template: TemplateRef{Name: "j"}, From: "j.yaml", WindowStart: now.Add(-10 * time.Second), Now: now,
		Results: []analysis.Once{{Metric: "judge", Provider: "judge", Measurement: v1alpha1.Measurement{Phase: v1alpha1.AnalysisPhaseRunning, ResumeAt: &resume}}}}, view.Style{})
	if !strings.Contains(out, "no verdict yet: the judge's window does not hold the resolution steps its metrics' minSamples need (after the warmup); try again in 25s, or widen it with --since") {
		t.Errorf("report:\n%s", out)
	}
}

func TestPassed(t *testing.T) {
	ok := analysis.Once{Metric: "a", Measurement: measured(v1alpha1.AnalysisPhaseSuccessful, "1", "")}
	for _, row := range []struct {
		name    string
		results []analysis.Once
		want    bool
	}{
		{"all Successful, a job skipped", []analysis.Once{ok, {Metric: "j", Skipped: "job"}}, true},
		{"a dry-run metric Failed", []analysis.Once{ok, {Metric: "d", DryRun: true, Measurement: measured(v1alpha1.AnalysisPhaseFailed, "", "")}}, true},
		{"an Inconclusive metric", []analysis.Once{ok, {Metric: "i", Measurement: measured(v1alpha1.AnalysisPhaseInconclusive, "", "")}}, false},
		{"an Error", []analysis.Once{{Metric: "e", Measurement: measured(v1alpha1.AnalysisPhaseError, "", "no data")}}, false},
		{"a judge still warming up", []analysis.Once{{Metric: "j", Measurement: measured(v1alpha1.AnalysisPhaseRunning, "", "")}}, false},
	} {
		if got := Passed(row.results); got != row.want {
			t.Errorf("%s: Passed = %v, want %v", row.name, got, row.want)
		}
	}
}
