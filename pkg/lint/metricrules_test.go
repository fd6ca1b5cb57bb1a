package lint

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLintMetricRules: lint reads dryRun and measurementRetention metricNames
// as the analysis controller does — regular expressions over whole metric
// names — and reports the ones that do not compile or name no metric, which
// end a run in Error.
func TestLintMetricRules(t *testing.T) {
	path := "testdata/lint/bad-metric-rules.yaml"
	r := runLint(t, "", "-f", path)
	wantExit(t, r, exitFailure)
	findings, _ := lintLines(t, r.stdout)
	const rule = `a metricName is a regular expression over the whole name, "*" means all`
	var want []string
	for _, f := range []string{
		`error: document 1 (AnalysisTemplate/http): spec.dryRun[1].metricName: "error-(rate" is not a valid regular expression: error parsing regexp: missing closing ): ` + "`error-(rate`",
		`warning: document 1 (AnalysisTemplate/http): spec.measurementRetention[1].metricName: "rate" matches no metric (the metrics are error-rate, latency-p99; ` + rule + `): a run of this template alone ends in Error`,
		`error: document 2 (AnalysisRun/once): spec.dryRun[0].metricName: "down" matches no metric (the metrics are up; ` + rule + `): the run would end in Error`,
		`error: document 3 (Rollout/web): spec.strategy.canary.steps[0].analysis.dryRun[1].metricName: "grpc-.*" matches no metric (the metrics are error-rate, latency-p99; ` + rule + `): the analysis's runs would end in Error`,
		`error: document 3 (Rollout/web): spec.strategy.canary.steps[0].analysis.measurementRetention[0].metricName: "[" is not a valid regular expression: error parsing regexp: missing closing ]: ` + "`[`",
		`error: document 3 (Rollout/web): spec.strategy.canary.steps[0].analysis.templates[0]: template "http": measurementRetention[1].metricName "rate" matches no metric (the metrics are error-rate, latency-p99; ` + rule + `): the analysis's runs would end in Error`,
	} {
		sev, rest, _ := strings.Cut(f, ": ")
		want = append(want, sev+": "+path+": "+rest)
	}
	if diff := cmp.Diff(want, findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
