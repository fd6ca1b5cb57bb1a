package lint

import (
	"strings"
	"testing"
)

// judgeTemplate is a valid judge template; each row below breaks one part.
const judgeTemplate = `apiVersion: sluice.dev/v1alpha1
kind: ClusterAnalysisTemplate
metadata:
  name: judge
spec:
  args:
  - name: canary-hash
  - name: baseline-hash
  metrics:
  - name: judge
    provider:
      judge:
        canaryScope: "{{args.canary-hash}}"
        baselineScope: "{{args.baseline-hash}}"
        metrics:
        - name: latency
          query: 'histogram_quantile(0.99, sum by (le) (rate(h_bucket{pod_template_hash="{{scope}}"}[1m])))'
        - name: errors
          type: ratio
          events: 'sum(increase(e{pod_template_hash="{{scope}}"}[{{window}}]))'
          total: 'sum(increase(t{pod_template_hash="{{scope}}"}[{{window}}]))'
`

// TestLintJudgeAndBaseline: the CRD rules of the judge provider and the
// canary's baseline (issue 18) are checked offline like the others: a valid
// judge template and baseline Rollout lint clean, each broken one gets one
// specific error.
func TestLintJudgeAndBaseline(t *testing.T) {
	baselineRollout := strings.Replace(catalogueRollout, "      steps:\n", "      baseline: {replicas: matchCanary}\n      steps:\n", 1)
	for _, ok := range []string{judgeTemplate, baselineRollout} {
		if out, errors := lintOnce([]byte(ok), false); errors != 0 {
			t.Errorf("a valid manifest has errors:\n%s", out)
		}
	}
	for _, row := range []struct {
		name, manifest, want string
	}{
		{"judge and prometheus both set",
			strings.Replace(judgeTemplate, "      judge:\n", "      prometheus: {query: up}\n      judge:\n", 1),
			"error: in.yaml: document 1 (ClusterAnalysisTemplate/judge): spec.metrics[0].provider: prometheus and judge are set; set exactly one of prometheus, web, job or judge"},
		{"no baselineScope",
			strings.Replace(judgeTemplate, "        baselineScope: \"{{args.baseline-hash}}\"\n", "", 1),
			"error: in.yaml: document 1 (ClusterAnalysisTemplate/judge): spec.metrics[0].provider.judge.baselineScope: required field is missing"},
		{"marginal above pass",
			strings.Replace(judgeTemplate, "        metrics:\n", "        pass: 80\n        marginal: 90\n        metrics:\n", 1),
			"error: in.yaml: document 1 (ClusterAnalysisTemplate/judge): spec.metrics[0].provider.judge.marginal: marginal 90 is above pass 80; a score from marginal up to pass is Inconclusive, so marginal must not be higher"},
		{"marginal above the default pass",
			strings.Replace(judgeTemplate, "        metrics:\n", "        marginal: 96\n        metrics:\n", 1),
			"error: in.yaml: document 1 (ClusterAnalysisTemplate/judge): spec.metrics[0].provider.judge.marginal: marginal 96 is above pass 95; a score from marginal up to pass is Inconclusive, so marginal must not be higher"},
		{"a ratio metric with a query",
			strings.Replace(judgeTemplate, "          type: ratio\n", "          type: ratio\n          query: up\n", 1),
			"error: in.yaml: document 1 (ClusterAnalysisTemplate/judge): spec.metrics[0].provider.judge.metrics[1]: a ratio metric sets events and total (and not query)"},
		{"a series metric (by default) without a query",
			strings.Replace(judgeTemplate, "          query: 'histogram_quantile(0.99, sum by (le) (rate(h_bucket{pod_template_hash=\"{{scope}}\"}[1m])))'\n", "", 1),
			"error: in.yaml: document 1 (ClusterAnalysisTemplate/judge): spec.metrics[0].provider.judge.metrics[0]: a series metric sets query (and not events or total)"},
		{"alpha as a percentage",
			strings.Replace(judgeTemplate, "        metrics:\n", "        alpha: \"5%\"\n        metrics:\n", 1),
			`error: in.yaml: document 1 (ClusterAnalysisTemplate/judge): spec.metrics[0].provider.judge.alpha: "5%" is not a fraction such as "0.05"`},
		{"an unknown direction",
			strings.Replace(judgeTemplate, "        - name: latency\n", "        - name: latency\n          direction: up\n", 1),
			`error: in.yaml: document 1 (ClusterAnalysisTemplate/judge): spec.metrics[0].provider.judge.metrics[0].direction: "up" is not one of increase, decrease, either`},
		{"a baseline with a router but no baselineService",
			strings.Replace(baselineRollout, "      steps:\n", "      trafficRouting: {istio: {virtualService: {name: web}}}\n      steps:\n", 1),
			"error: in.yaml: document 1 (Rollout/web): spec.strategy.canary.baselineService: required with baseline and trafficRouting: the router sends the baseline's share to this Service"},
		{"the canary Service as baselineService",
			strings.Replace(baselineRollout, "      steps:\n", "      baselineService: web-canary\n      steps:\n", 1),
			`error: in.yaml: document 1 (Rollout/web): spec.strategy.canary.baselineService: "web-canary" is also the canaryService; the baseline needs a Service of its own`},
		{"baseline replicas as a word",
			strings.Replace(baselineRollout, "replicas: matchCanary", "replicas: half", 1),
			`error: in.yaml: document 1 (Rollout/web): spec.strategy.canary.baseline.replicas: "half" is not matchCanary, a number of pods or a percentage such as "20%"`},
		{"baseline replicas negative",
			strings.Replace(baselineRollout, "replicas: matchCanary", "replicas: -1", 1),
			"error: in.yaml: document 1 (Rollout/web): spec.strategy.canary.baseline.replicas: must not be negative, got -1"},
	} {
		t.Run(row.name, func(t *testing.T) {
			out, errors := lintOnce([]byte(row.manifest), false)
			want := row.want + "\n1 error, 0 warnings in 1 document\n"
			if out != want || errors != 1 {
				t.Errorf("lint (%d errors):\n%s\nwant:\n%s", errors, out, want)
			}
		})
	}
}
