//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// The judge in a release (issue 18's acceptance): a canary with a baseline and
// an analysis step whose judge compares the two through Prometheus, with the
// exporter playing both versions per pod-template hash. Identical sides pass
// and promote; a slower canary or one with more errors fails and aborts; a
// canary without data is never Successful.

// judgeTemplate is the http-judge of manifests/analysis with windows short
// enough for a test: one look once 12 one-second samples a side are in,
// errors (critical, counts) and p99 latency (10% slower tolerated). The 5 s
// warmup leaves out the seconds before the latency query's 5 s rate window
// has data (a series' first samples come only once it has two scrapes).
func judgeTemplate(noData string) string {
	return fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: judge}
spec:
  args:
  - name: namespace
  - name: canary-hash
  - name: baseline-hash
  metrics:
  - name: judge
    count: 1
    provider:
      judge:
        canaryScope: "{{args.canary-hash}}"
        baselineScope: "{{args.baseline-hash}}"
        resolution: 1s
        warmup: 5s
        noData: %s
        groups: [{name: errors, weight: 2}, {name: latency, weight: 1}]
        metrics:
        - name: error-ratio
          type: ratio
          group: errors
          critical: true
          minSamples: 100
          events: sum(increase(http_requests_total{namespace="{{args.namespace}}",pod_template_hash="{{scope}}",code=~"5.."}[{{window}}]))
          total: sum(increase(http_requests_total{namespace="{{args.namespace}}",pod_template_hash="{{scope}}"}[{{window}}]))
        - name: p99-latency
          group: latency
          minSamples: 12
          effectSize: {allowedIncrease: "1.1"}
          query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="{{args.namespace}}",pod_template_hash="{{scope}}"}[5s])))
`, noData)
}

// judgedRollout is "web" on Istio with a baseline and a judge step at 20%.
const judgedRolloutSteps = `
      - setWeight: 20
      - analysis:
          templates: [{templateName: judge}]
          args:
          - {name: namespace, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
          - {name: canary-hash, valueFrom: {podTemplateHashValue: Latest}}
          - {name: baseline-hash, valueFrom: {podTemplateHashValue: Baseline}}`

// judgeCanary deploys the judged Rollout, starts a new revision and has the
// exporter play the canary and the baseline (nil: that side reports nothing).
// It returns the stable, canary and baseline hashes.
func judgeCanary(f *routingTest, noData string, canary, baseline *framework.HashTraffic) (stable, canaryHash, baselineHash string) {
	f.T.Helper()
	f.Apply(hostSplitVS + "---" + baselineService + "---" + judgeTemplate(noData))
	first := deployHealthy(f.Framework, canaryRollout("web", 5, judgedRolloutSteps, `
      baselineService: web-baseline
      baseline: {replicas: matchCanary}
      abortScaleDownDelaySeconds: 2
      scaleDownDelaySeconds: 2
      trafficRouting:
        istio: {virtualService: {name: web, routes: [primary]}}`, ""))
	f.SetImage("web", imageV2)
	ro := f.WaitForRollout("web", "has a new revision", 30*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.CurrentPodHash != first.Status.StableRS && ro.Status.CurrentPodHash != ""
	})
	stable, canaryHash = first.Status.StableRS, ro.Status.CurrentPodHash
	baselineHash = plan.BaselineHash(stable, canaryHash)
	var sides []framework.HashTraffic
	for _, s := range []struct {
		t    *framework.HashTraffic
		hash string
	}{{canary, canaryHash}, {baseline, baselineHash}} {
		if s.t != nil {
			t := *s.t
			t.Service, t.Hash = "web", s.hash
			sides = append(sides, t)
		}
	}
	f.SimulateHashes(sides...)
	return stable, canaryHash, baselineHash
}

// judgeRun waits for the step's run to end and returns it with its verdict.
func judgeRun(f *framework.Framework, canaryHash string) (v1alpha1.AnalysisRun, string) {
	f.T.Helper()
	var run v1alpha1.AnalysisRun
	f.Eventually("the judge step's run ends", 90*time.Second, func() (bool, string) {
		for _, r := range f.AnalysisRuns() {
			if r.Labels[framework.HashLabel] == canaryHash && r.Status.Phase.Completed() {
				run = r
				return true, ""
			}
		}
		return false, fmt.Sprint(len(f.AnalysisRuns()), " runs")
	})
	verdict := ""
	if ms := run.Status.MetricResults; len(ms) == 1 && len(ms[0].Measurements) > 0 {
		verdict = ms[0].Measurements[len(ms[0].Measurements)-1].Value
	}
	return run, verdict
}

// expectAtJudgeStep checks the sides while the judge step runs: as many
// baseline pods as canary pods, and the VirtualService at 20/20/60.
func expectAtJudgeStep(f *routingTest, ro *v1alpha1.Rollout) {
	f.T.Helper()
	expectBaselineBesideCanary(f.Framework, ro, "at the judge step")
	f.waitWeights("canary 20, baseline 20, stable 60", func() map[string]int64 { return f.routeWeights("web", "http", "primary", 0) },
		map[string]int64{"web-canary": 20, "web-baseline": 20, "web-stable": 60})
}

// expectJudgeAborted checks an abort took everything back: Degraded, the
// route all on stable without a baseline destination, canary and baseline
// pods gone.
func expectJudgeAborted(f *routingTest, stable, canaryHash string) {
	f.T.Helper()
	f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 60*time.Second)
	f.waitWeights("all traffic on stable", func() map[string]int64 { return f.routeWeights("web", "http", "primary", 0) },
		map[string]int64{"web-stable": 100, "web-canary": 0})
	if w := f.routeWeights("web", "http", "primary", 0); len(w) != 2 {
		f.T.Errorf("after the abort the route still has a baseline destination: %v", w)
	}
	expectNoBaseline(f.Framework, "after the abort")
	f.Eventually("the canary's pods go after the abort delay", 30*time.Second, func() (bool, string) {
		n := replicasOf(f.ReplicaSets("web")[canaryHash])
		return n == 0, fmt.Sprint(n)
	})
	if got := f.ServiceSelects("web-stable"); got != stable {
		f.T.Errorf("after the abort the stable Service selects %q, want %q", got, stable)
	}
}

// verdictClasses reads the per-metric classes out of a judge measurement.
func verdictClasses(f *framework.Framework, verdict string) map[string]string {
	f.T.Helper()
	var v struct {
		Metrics []struct{ Name, Class string }
	}
	if err := json.Unmarshal([]byte(verdict), &v); err != nil {
		f.T.Fatalf("judge measurement value is not the verdict JSON: %v\n%s", err, verdict)
	}
	out := map[string]string{}
	for _, m := range v.Metrics {
		out[m.Name] = m.Class
	}
	return out
}

var sameAsBaseline = framework.HashTraffic{Rate: 200, ErrorRate: 0.005, LatencyMs: 40, Spread: 0.3}

func TestJudgeIdenticalCanaryIsPromoted(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	_, canaryHash, _ := judgeCanary(f, "Inconclusive", &sameAsBaseline, &sameAsBaseline)
	expectAtJudgeStep(f, f.Rollout("web"))
	run, verdict := judgeRun(f.Framework, canaryHash)
	if run.Status.Phase != v1alpha1.AnalysisPhaseSuccessful {
		t.Fatalf("identical sides: run %s is %s: %s", run.Name, run.Status.Phase, verdict)
	}
	ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if ro.Status.StableRS != canaryHash {
		t.Errorf("promoted stable is %q, want the canary %q", ro.Status.StableRS, canaryHash)
	}
	expectNoBaseline(f.Framework, "after promotion")
	out, _, _ := f.Plugin("get", "rollout", "web")
	if !strings.Contains(out, "p99-latency") || !strings.Contains(out, "error-ratio") {
		t.Errorf("kubectl sluice get rollout does not show the judge's metrics:\n%s", out)
	}
}

func TestJudgeSlowerCanaryFailsAndAborts(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	slower := sameAsBaseline
	slower.LatencyScale = 1.3
	stable, canaryHash, _ := judgeCanary(f, "Inconclusive", &slower, &sameAsBaseline)
	expectAtJudgeStep(f, f.Rollout("web"))
	run, verdict := judgeRun(f.Framework, canaryHash)
	if run.Status.Phase != v1alpha1.AnalysisPhaseFailed {
		t.Fatalf("p99 +30%%: run %s is %s: %s", run.Name, run.Status.Phase, verdict)
	}
	if got := verdictClasses(f.Framework, verdict); got["p99-latency"] != "High" || got["error-ratio"] != "Pass" {
		t.Errorf("p99 +30%%: classes %v, want p99-latency High and error-ratio Pass", got)
	}
	expectJudgeAborted(f, stable, canaryHash)
}

func TestJudgeCanaryWithMoreErrorsFails(t *testing.T) {
	t.Parallel()
	f := &routingTest{newTest(t)}
	errors := sameAsBaseline
	errors.ErrorRate = 0.02
	stable, canaryHash, _ := judgeCanary(f, "Inconclusive", &errors, &sameAsBaseline)
	run, verdict := judgeRun(f.Framework, canaryHash)
	if run.Status.Phase != v1alpha1.AnalysisPhaseFailed {
		t.Fatalf("2%% vs 0.5%% errors: run %s is %s: %s", run.Name, run.Status.Phase, verdict)
	}
	if got := verdictClasses(f.Framework, verdict); got["error-ratio"] != "High" {
		t.Errorf("2%% vs 0.5%% errors: classes %v, want error-ratio High", got)
	}
	expectJudgeAborted(f, stable, canaryHash)
}

func TestJudgeCanaryWithoutDataIsNeverSuccessful(t *testing.T) {
	t.Parallel()
	for _, noData := range []string{"Inconclusive", "Failed"} {
		t.Run(noData, func(t *testing.T) {
			t.Parallel()
			f := &routingTest{newTest(t)}
			stable, canaryHash, _ := judgeCanary(f, noData, nil, &sameAsBaseline)
			run, verdict := judgeRun(f.Framework, canaryHash)
			if string(run.Status.Phase) != noData {
				t.Fatalf("no canary data, noData %s: run %s is %s: %s", noData, run.Name, run.Status.Phase, verdict)
			}
			if noData == "Failed" {
				expectJudgeAborted(f, stable, canaryHash)
				return
			}
			ro := f.WaitForRollout("web", "paused on the inconclusive run", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
				return slices.ContainsFunc(ro.Status.PauseConditions, func(c v1alpha1.PauseCondition) bool {
					return c.Reason == v1alpha1.PauseReasonInconclusiveAnalysis
				})
			})
			if ro.Status.StableRS != stable {
				t.Errorf("a canary without data became stable")
			}
		})
	}
}
