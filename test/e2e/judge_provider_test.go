//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// The judge provider on its own: standalone AnalysisRuns compare two of the
// exporter's simulated versions (one playing the canary, one the baseline)
// through the real controller and Prometheus. The baseline ReplicaSet that a
// Rollout starts is tested in baseline_test.go.

// judgeRate is the requests per second each side simulates: over the ~20 s
// window of a look that is some 4000 requests a side, enough for a 2% error
// rate to stand out from 0.5%.
const judgeRate = 200

// simulateSide sets one version's traffic in the exporter: its error share
// and mean latency, at judgeRate.
func simulateSide(f *framework.Framework, version string, errorRate, latencyMs float64) {
	f.T.Helper()
	body, _ := json.Marshal(map[string]any{"version": version, "errorRate": errorRate, "latencyMs": latencyMs, "rate": judgeRate})
	resp, err := http.Post(f.Info.ExporterURL+"/control", "application/json", bytes.NewReader(body))
	if err != nil {
		f.T.Fatalf("exporter /control: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.T.Fatalf("exporter /control %s: %s", version, resp.Status)
	}
}

// meanLatency is the PromQL mean latency of the version {{scope}} names.
const meanLatency = `sum(rate(sluice_test_request_duration_seconds_sum{version="{{scope}}"}[5s])) / sum(rate(sluice_test_request_duration_seconds_count{version="{{scope}}"}[5s]))`

// judgeRunYAML is a run whose one metric judges canary against baseline:
// mean latency as a series (20 samples a side, one per second; 5% tolerated)
// and errors as counts over the window. It is measured once, when the window
// holds 20 seconds.
func judgeRunYAML(name, canary, baseline, noData string) string {
	return standaloneRun(name, fmt.Sprintf(`
  - name: canary-vs-baseline
    provider:
      judge:
        canaryScope: %s
        baselineScope: %s
        resolution: 1s
        noData: %s
        metrics:
        - name: mean-latency
          query: '%s'
          minSamples: 20
          effectSize: {allowedIncrease: "1.05"}
        - name: error-rate
          type: ratio
          critical: true
          events: 'sum(increase(sluice_test_requests_total{version="{{scope}}",code="500"}[{{window}}]))'
          total: 'sum(increase(sluice_test_requests_total{version="{{scope}}"}[{{window}}]))'
          minSamples: 1000`, canary, baseline, noData, meanLatency))
}

// startSides simulates canary and baseline and waits until Prometheus has a
// mean latency for both, so the run's window starts with data.
func startSides(f *framework.Framework, canaryErrors, canaryLatencyMs float64) (canary, baseline string) {
	canary, baseline = f.Version("canary"), f.Version("baseline")
	simulateSide(f, baseline, 0.005, 100)
	simulateSide(f, canary, canaryErrors, canaryLatencyMs)
	for _, v := range []string{canary, baseline} {
		q := strings.ReplaceAll(meanLatency, "{{scope}}", v)
		f.Eventually("Prometheus has a mean latency for "+v, 60*time.Second, func() (bool, string) {
			got, err := queryScalar(q)
			return err == nil && got > 0, fmt.Sprint(got, err)
		})
	}
	return canary, baseline
}

// judgement is the verdict of the run's judge measurement.
func judgement(t *testing.T, run *v1alpha1.AnalysisRun) (classes map[string]string, value string) {
	t.Helper()
	ms := run.Status.MetricResults[0].Measurements
	value = ms[len(ms)-1].Value
	var record struct {
		Metrics []struct{ Name, Class string }
	}
	if err := json.Unmarshal([]byte(value), &record); err != nil {
		t.Fatalf("measurement value %q: %v", value, err)
	}
	classes = map[string]string{}
	for _, m := range record.Metrics {
		classes[m.Name] = m.Class
	}
	return classes, value
}

// The judge waits for its window, then passes a canary that behaves like its
// baseline; get analysisrun shows the verdict per metric.
func TestJudgeProviderPassesIdenticalSides(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	canary, baseline := startSides(f, 0.005, 100)
	f.Apply(judgeRunYAML("judge-same", canary, baseline, "Inconclusive"))
	f.WaitForRun("judge-same", "waiting out its window (a Running measurement)", 30*time.Second, func(r *v1alpha1.AnalysisRun) bool {
		ms := r.Status.MetricResults
		return len(ms) == 1 && len(ms[0].Measurements) == 1 && ms[0].Measurements[0].Phase == v1alpha1.AnalysisPhaseRunning &&
			ms[0].Measurements[0].ResumeAt != nil
	})
	run := f.WaitForRunPhase("judge-same", v1alpha1.AnalysisPhaseSuccessful, 90*time.Second)
	if classes, value := judgement(t, run); classes["mean-latency"] != "Pass" || classes["error-rate"] != "Pass" {
		t.Errorf("verdict %s: want both metrics Pass", value)
	}
	out, stderr, code := f.Plugin("get", "analysisrun", "judge-same")
	if code != 0 || !strings.Contains(out, "Latest judgement") || !strings.Contains(out, "mean-latency") ||
		strings.Count(out, "✔ Pass") != 2 {
		t.Errorf("get analysisrun (exit %d, %s):\n%s\nwant the verdict's table with two passing metrics", code, stderr, out)
	}
}

// A canary 30% slower than its baseline fails.
func TestJudgeProviderFailsSlowerCanary(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	canary, baseline := startSides(f, 0.005, 130)
	f.Apply(judgeRunYAML("judge-slow", canary, baseline, "Inconclusive"))
	run := f.WaitForRun("judge-slow", "completed", 90*time.Second, func(r *v1alpha1.AnalysisRun) bool { return r.Status.Phase.Completed() })
	classes, value := judgement(t, run)
	if run.Status.Phase != v1alpha1.AnalysisPhaseFailed || classes["mean-latency"] != "High" {
		t.Errorf("run %s with verdict %s: want Failed with mean-latency High", run.Status.Phase, value)
	}
}

// A canary answering 2% errors against its baseline's 0.5% fails.
func TestJudgeProviderFailsCanaryWithMoreErrors(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	canary, baseline := startSides(f, 0.02, 100)
	f.Apply(judgeRunYAML("judge-errors", canary, baseline, "Inconclusive"))
	run := f.WaitForRun("judge-errors", "completed", 90*time.Second, func(r *v1alpha1.AnalysisRun) bool { return r.Status.Phase.Completed() })
	classes, value := judgement(t, run)
	if run.Status.Phase != v1alpha1.AnalysisPhaseFailed || classes["error-rate"] != "High" {
		t.Errorf("run %s with verdict %s: want Failed with error-rate High", run.Status.Phase, value)
	}
	if msg := run.Status.MetricResults[0].Measurements[0].Message; !strings.Contains(msg, "error-rate") {
		t.Errorf("measurement message %q does not name the metric that decided", msg)
	}
}

// A canary that reports nothing is never Successful: it gets the judge's
// noData outcome.
func TestJudgeProviderCanaryWithoutData(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	_, baseline := startSides(f, 0.005, 100)
	silent := f.Version("silent") // never simulated: no series at all
	runs := map[string]v1alpha1.AnalysisPhase{"judge-nodata": v1alpha1.AnalysisPhaseInconclusive, "judge-nodata-fails": v1alpha1.AnalysisPhaseFailed}
	for name, noData := range runs {
		f.Apply(judgeRunYAML(name, silent, baseline, string(noData)))
	}
	for name, noData := range runs {
		run := f.WaitForRun(name, "completed", 90*time.Second, func(r *v1alpha1.AnalysisRun) bool { return r.Status.Phase.Completed() })
		classes, value := judgement(t, run)
		if run.Status.Phase != noData || classes["mean-latency"] != "NoData" || classes["error-rate"] != "NoData" {
			t.Errorf("%s: run %s with verdict %s: want %s with both metrics NoData", name, run.Status.Phase, value, noData)
		}
	}
}
