package convert

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConvertWarnsWhereAnchoringChangesARule: Argo Rollouts matches a dryRun or
// measurementRetention metricName anywhere in a metric name, sluice only whole
// names. Rules that name the same metrics either way (".*", an exact name)
// carry over silently; one that names other metrics gets a warning with the
// metricName that keeps Argo's meaning.
func TestConvertWarnsWhereAnchoringChangesARule(t *testing.T) {
	in := `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: http}
spec:
  metrics:
  - name: error-rate
    provider: {prometheus: {query: "sum(http_errors)"}}
  - name: latency-p99
    provider: {prometheus: {query: "sum(http_latency)"}}
  dryRun:
  - metricName: .*
  - metricName: error
  measurementRetention:
  - metricName: latency-p99
    limit: 5
  - metricName: p99|rate
    limit: 5
`
	r := runConvert(t, in, "-f", "-")
	if r.code != 0 {
		t.Fatalf("exit code %d\nstderr: %s", r.code, r.stderr)
	}
	want := []string{
		`warning: -#0 AnalysisTemplate/http: spec.dryRun[1].metricName "error" names error-rate in Argo Rollouts, which matches anywhere in a metric name, but no metric in sluice, which matches whole names; write ".*error.*" to keep Argo's meaning`,
		`warning: -#0 AnalysisTemplate/http: spec.measurementRetention[1].metricName "p99|rate" names error-rate, latency-p99 in Argo Rollouts, which matches anywhere in a metric name, but no metric in sluice, which matches whole names; write ".*(p99|rate).*" to keep Argo's meaning`,
	}
	if diff := cmp.Diff(want, strings.Split(strings.TrimSpace(r.stderr), "\n")); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.stdout, "metricName: error\n") || !strings.Contains(r.stdout, "apiVersion: sluice.dev/v1alpha1") {
		t.Errorf("the rules must carry over unchanged:\n%s", r.stdout)
	}
}
