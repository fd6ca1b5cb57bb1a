package cli

import (
	"math"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	judging "github.com/sluice-dev/sluice/analysis/judge"
	"github.com/sluice-dev/sluice/analysis/provider/judge/judgevalue"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

// judgeValue is the value the judge provider stores for a verdict.
func judgeValue(score float64, outcome judging.Outcome, reason string, metrics ...judging.MetricResult) string {
	return judgevalue.Encode(judgevalue.FromVerdict(judging.Verdict{Score: score, Outcome: outcome, Reason: reason, Metrics: metrics}))
}

// The compared metrics of the fixtures' looks.
var (
	latencyPass = judging.MetricResult{Name: "p99-latency", Group: "p99-latency", Class: judging.ClassPass, Critical: true,
		PValue: 0.4173, Alpha: 0.0102, Estimate: 0.8, Low: -2.1, High: 3.6, Effect: 1.006, CanaryN: 80, BaselineN: 80}
	latencyHigh = judging.MetricResult{Name: "p99-latency", Group: "p99-latency", Class: judging.ClassHigh, Critical: true,
		PValue: 0.000012, Alpha: 0.0123, Estimate: 36.1, Low: 31.4, High: 40.9, Effect: 1.3, CanaryN: 120, BaselineN: 120,
		Reason: "canary higher by 36.1 (30%), beyond the allowed 1x"}
	errorsPass = judging.MetricResult{Name: "error-rate", Group: "error-rate", Class: judging.ClassPass,
		PValue: 0.6221, Alpha: 0.0123, Estimate: 0.0004, Low: -0.0021, High: 0.0029, Effect: 1.08, CanaryN: 5210, BaselineN: 5187}
	cpuNoData = judging.MetricResult{Name: "cpu", Group: "saturation", Class: judging.ClassNoData, PValue: math.NaN(),
		Estimate: math.NaN(), Low: math.NaN(), High: math.NaN(), Effect: math.NaN(), CanaryN: 0, BaselineN: 120,
		Reason: "canary has 0 samples, needs 10"}
)

// judgeRun is the step run of "web" comparing canary and baseline: the first
// look passed, the second found the canary's latency 30% higher.
func judgeRun(phase v1alpha1.AnalysisPhase) *v1alpha1.AnalysisRun {
	started := ago(4 * time.Minute)
	run := &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-" + canaryHash + "-2-1", Namespace: "default", CreationTimestamp: ago(4 * time.Minute),
			Labels: map[string]string{view.HashLabel: canaryHash, v1alpha1.AnalysisKindLabel: string(v1alpha1.AnalysisKindStep),
				v1alpha1.StepIndexLabel: "1"},
			Annotations:     map[string]string{view.RevisionAnnotation: "2"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "Rollout", Name: "web", UID: "uid-web", Controller: ptr(true)}},
		},
		Spec: v1alpha1.AnalysisRunSpec{Metrics: []v1alpha1.Metric{{
			Name: "canary-vs-baseline", Interval: "1m", Count: ptr(intstr.FromInt32(5)),
			Provider: v1alpha1.MetricProvider{Judge: &v1alpha1.JudgeMetric{CanaryScope: canaryHash, BaselineScope: "6b8c9d7f4",
				Metrics: []v1alpha1.JudgeQuery{{Name: "p99-latency"}, {Name: "error-rate"}, {Name: "cpu", Group: "saturation"}}}},
		}}},
		Status: v1alpha1.AnalysisRunStatus{Phase: phase, StartedAt: &started,
			MetricResults: []v1alpha1.MetricResult{{Name: "canary-vs-baseline", Phase: phase, Count: 2, Successful: 1, Failed: 1,
				Measurements: []v1alpha1.Measurement{
					measured(v1alpha1.AnalysisPhaseSuccessful, 150*time.Second,
						judgeValue(100, judging.Successful, "all metrics pass", latencyPass, errorsPass), "all metrics pass"),
					measured(v1alpha1.AnalysisPhaseFailed, 30*time.Second,
						judgeValue(0, judging.Failed, "p99-latency is High (critical)", latencyHigh, errorsPass, cpuNoData),
						"p99-latency is High (critical)"),
				}}},
		},
	}
	if phase == v1alpha1.AnalysisPhaseFailed {
		completed := ago(30 * time.Second)
		run.Status.CompletedAt = &completed
		run.Status.Message = `metric "canary-vs-baseline" is Failed: 1 of 2 measurements failed (failureLimit 0)`
		run.Status.MetricResults[0].Message = "1 of 2 measurements failed (failureLimit 0)"
	}
	return run
}

// TestGetAnalysisRunShowsJudgement: a judge metric's measurements show their
// score and reason, and its latest verdict a row per compared metric.
func TestGetAnalysisRunShowsJudgement(t *testing.T) {
	c := newFakeCluster(t, judgeRun(v1alpha1.AnalysisPhaseFailed))
	r := c.run("get", "analysisrun", "web-"+canaryHash+"-2-1")
	wantExit(t, r, 0)
	golden(t, "get-analysisrun-judge.txt", r.stdout)
}

// TestGetRolloutShowsJudgement: under the step's run, the judge metric's
// latest verdict and its compared metrics.
func TestGetRolloutShowsJudgement(t *testing.T) {
	ro := canaryRollout()
	ro.Spec.Strategy.Canary.Steps[1] = v1alpha1.CanaryStep{Analysis: &v1alpha1.RolloutAnalysis{
		Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "canary-vs-baseline"}}}}
	ro.Status.Phase, ro.Status.Message = v1alpha1.RolloutPhaseProgressing, "waiting for the analysis step's AnalysisRun"
	ro.Status.PauseConditions, ro.Status.ControllerPause = nil, false
	run := judgeRun(v1alpha1.AnalysisPhaseRunning)
	run.OwnerReferences[0].UID = ro.UID
	run.Spec.Metrics[0].FailureLimit = ptr(intstr.FromInt32(1)) // one failed look is tolerated: still running
	ro.Status.Canary.CurrentStepAnalysisRunStatus = &v1alpha1.RolloutAnalysisRunStatus{Name: run.Name, Status: v1alpha1.AnalysisPhaseRunning}
	stable := replicaSet(ro, stableHash, 1, "example.com/web:1.0", 3, 3, 26*time.Hour)
	canary := replicaSet(ro, canaryHash, 2, "example.com/web:2.0", 1, 1, 5*time.Minute)
	objs := []runtime.Object{ro, stable, canary, run, pod(canary, "m3t9w", true, 0, 4*time.Minute)}
	for _, suffix := range []string{"2kq7x", "8vbnm", "qz4lp"} {
		objs = append(objs, pod(stable, suffix, true, 0, 26*time.Hour))
	}
	r := newFakeCluster(t, objs...).run("get", "rollout", "web")
	wantExit(t, r, 0)
	golden(t, "get-canary-judge.txt", r.stdout)
}
