package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

const unresolvable = `Post "http://prometheus.nowhere:9090/api/v1/query": dial tcp: lookup prometheus.nowhere: no such host`

func measured(phase v1alpha1.AnalysisPhase, finished time.Duration, value, message string) v1alpha1.Measurement {
	started, done := ago(finished+time.Second), ago(finished)
	return v1alpha1.Measurement{Phase: phase, StartedAt: &started, FinishedAt: &done, Value: value, Message: message}
}

// erroredStepRun is the step run of "web" that ended in Error: its error-rate
// metric lost Prometheus after one good measurement, its latency metric
// passed, and a dry-run metric failed without deciding anything.
func erroredStepRun() *v1alpha1.AnalysisRun {
	started, completed := ago(4*time.Minute), ago(3*time.Minute)
	promQuery := func(q string) v1alpha1.MetricProvider {
		return v1alpha1.MetricProvider{Prometheus: &v1alpha1.PrometheusMetric{Query: q}}
	}
	return &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-" + canaryHash + "-2-1", Namespace: "default", CreationTimestamp: ago(4 * time.Minute),
			Labels:          map[string]string{v1alpha1.AnalysisKindLabel: string(v1alpha1.AnalysisKindStep), v1alpha1.StepIndexLabel: "1"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "Rollout", Name: "web", UID: "uid-web", Controller: ptr(true)}},
		},
		Spec: v1alpha1.AnalysisRunSpec{Metrics: []v1alpha1.Metric{
			{Name: "error-rate", Interval: "10s", Count: ptr(intstr.FromInt32(10)), ConsecutiveErrorLimit: ptr(intstr.FromInt32(2)),
				SuccessCondition: "result[0] < 0.05", Provider: promQuery(`errors{version="{{args.version}}"}`)},
			{Name: "latency", SuccessCondition: "result[0] < 0.3", FailureLimit: ptr(intstr.FromInt32(-1)), Provider: promQuery("p99")},
			{Name: "saturation", Interval: "30s", SuccessCondition: "result[0] < 0.8", Provider: v1alpha1.MetricProvider{Web: &v1alpha1.WebMetric{URL: "http://metrics/saturation"}}},
		}},
		Status: v1alpha1.AnalysisRunStatus{
			Phase:     v1alpha1.AnalysisPhaseError,
			Message:   `metric "error-rate" is Error: 3 consecutive errors (consecutiveErrorLimit 2): ` + unresolvable,
			StartedAt: &started, CompletedAt: &completed,
			MetricResults: []v1alpha1.MetricResult{
				{Name: "error-rate", Phase: v1alpha1.AnalysisPhaseError, Message: "3 consecutive errors (consecutiveErrorLimit 2): " + unresolvable,
					Count: 1, Successful: 1, Error: 3, ConsecutiveError: 3,
					Metadata: map[string]string{"resolvedQuery": `errors{version="v2"}`},
					Measurements: []v1alpha1.Measurement{
						measured(v1alpha1.AnalysisPhaseSuccessful, 230*time.Second, "[0.01]", ""),
						measured(v1alpha1.AnalysisPhaseError, 210*time.Second, "", "query returned no data"),
						measured(v1alpha1.AnalysisPhaseError, 200*time.Second, "", unresolvable),
						measured(v1alpha1.AnalysisPhaseError, 190*time.Second, "", unresolvable+"\n(retried)"),
					}},
				{Name: "latency", Phase: v1alpha1.AnalysisPhaseSuccessful, Count: 1, Successful: 1,
					Measurements: []v1alpha1.Measurement{measured(v1alpha1.AnalysisPhaseSuccessful, 235*time.Second, "[0.21]", "")}},
				{Name: "saturation", Phase: v1alpha1.AnalysisPhaseFailed, DryRun: true, Message: "1 of 1 measurements failed (failureLimit 0)",
					Count: 1, Failed: 1,
					Measurements: []v1alpha1.Measurement{measured(v1alpha1.AnalysisPhaseFailed, 200*time.Second, "0.93", "")}},
			},
		},
	}
}

func TestGetAnalysisRunShowsMeasurementsAndLimits(t *testing.T) {
	c := newFakeCluster(t, erroredStepRun())
	r := c.run("get", "analysisrun", "web-"+canaryHash+"-2-1")
	wantExit(t, r, 0)
	golden(t, "get-analysisrun-error.txt", r.stdout)
}

// TestGetAnalysisRunBeforeItMeasured: a run made by hand that has not
// measured yet (no count: it measures until terminated).
func TestGetAnalysisRunBeforeItMeasured(t *testing.T) {
	run := &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{Name: "smoke-x7k2p", Namespace: "default", CreationTimestamp: ago(5 * time.Second)},
		Spec: v1alpha1.AnalysisRunSpec{Metrics: []v1alpha1.Metric{{Name: "up", Interval: "1m", InitialDelay: "30s",
			Provider: v1alpha1.MetricProvider{Job: &v1alpha1.JobMetric{}}}}},
	}
	c := newFakeCluster(t, run)
	r := c.run("get", "ar", "smoke-x7k2p")
	wantExit(t, r, 0)
	golden(t, "get-analysisrun-pending.txt", r.stdout)
}

func TestGetAnalysisRunNotFound(t *testing.T) {
	c := newFakeCluster(t)
	r := c.run("get", "analysisrun", "nope")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: analysisrun "nope" not found in namespace "default"`)
}

// TestGetAnalysisRunWatch follows a running run to its end: exit 0 when it
// ends Successful, 1 (with the run's message) when it ends in Error.
func TestGetAnalysisRunWatch(t *testing.T) {
	for _, end := range []v1alpha1.AnalysisPhase{v1alpha1.AnalysisPhaseSuccessful, v1alpha1.AnalysisPhaseError} {
		t.Run(string(end), func(t *testing.T) {
			run := erroredStepRun()
			final := run.Status
			run.Status = v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseRunning, StartedAt: final.StartedAt}
			c := newFakeCluster(t, run)
			w := startCommand(c.options(), "get", "analysisrun", run.Name, "-w")
			w.waitFrame(t, "Running")
			select {
			case r := <-w.done:
				t.Fatalf("get analysisrun -w exited while the run was Running: %+v", r)
			default:
			}
			run.Status = final
			run.Status.Phase = end
			if end == v1alpha1.AnalysisPhaseSuccessful {
				run.Status.Message = ""
			}
			if _, err := c.sluice.SluiceV1alpha1().AnalysisRuns("default").UpdateStatus(context.Background(), run, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			select {
			case r := <-w.done:
				if frames := strings.Count(r.stdout, "Name:"); frames < 2 || !strings.Contains(r.stdout, "Status:     ◌ Running") {
					t.Errorf("want a Running frame and the final one, got %d frames:\n%s", frames, r.stdout)
				}
				if end == v1alpha1.AnalysisPhaseSuccessful {
					wantExit(t, r, 0)
					return
				}
				wantExit(t, r, 1)
				wantOneErrorLine(t, r, `error: analysisrun "`+run.Name+`" is Error: `+final.Message)
			case <-time.After(10 * time.Second):
				t.Fatal("get analysisrun -w did not exit when the run ended")
			}
		})
	}
}
