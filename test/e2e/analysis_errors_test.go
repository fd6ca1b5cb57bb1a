//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// An analysis that cannot work — a query Prometheus rejects, a condition that
// does not fit the query's result — ends at its first measurement, and the
// rollout aborts at once instead of after the ~40 s a transient error takes
// (5 tries, 10 s apart, with the default consecutiveErrorLimit 4).

// abortsAtFirstMeasurement applies a template whose only metric fails for good,
// updates a canary with a step analysis of it, and checks that the run ends in
// Error after one measurement with a message that says want, and that the
// Rollout aborts right after.
func abortsAtFirstMeasurement(t *testing.T, f *framework.Framework, metric string, want ...string) {
	t.Helper()
	f.Apply(`
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: broken}
spec:
  args: [{name: version}]
  metrics:
  - name: broken
    interval: 2s
    count: 3` + metric)
	deployHealthy(f, canaryRollout("web", 2, analysisStep("broken", "v1"), "", ""))
	f.SetImage("web", imageV2)

	name := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 1)
	run := f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseError, 30*time.Second)
	r := run.Status.MetricResults[0]
	if r.Error != 1 || len(r.Measurements) != 1 {
		t.Errorf("the metric was measured again after an error that cannot pass: %s", framework.DescribeRun(run))
	}
	for _, w := range want {
		if !strings.Contains(run.Status.Message, w) {
			t.Errorf("the run's message does not say %q: %q", w, run.Status.Message)
		}
	}
	if took := run.Status.CompletedAt.Sub(run.Status.StartedAt.Time); took >= 10*time.Second {
		t.Errorf("the run took %s from start to Error; a retry comes 10 s after an error, so it was retried", took)
	}
	// Far less than the ~40 s of retries; the Rollout acts on the run's end.
	f.WaitForRollout("web", "aborted", 15*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.Phase == v1alpha1.RolloutPhaseDegraded && ro.Status.Abort
	})
}

func TestAnalysisWithInvalidQueryAbortsAtOnce(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	abortsAtFirstMeasurement(t, f, `
    successCondition: result[0] < 0.1
    provider:
      prometheus:
        query: sum(rate(sluice_test_requests_total{version="{{args.version}}"}[5s])
`, `metric "broken" is Error`, "HTTP 400 Bad Request, bad_data", "parse error", "not retried")
}

func TestAnalysisWithConditionOfWrongTypeAbortsAtOnce(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	// vector(1) is a vector: result > 0.5 compares a list with a number.
	abortsAtFirstMeasurement(t, f, `
    successCondition: result > 0.5
    provider:
      prometheus:
        query: vector(1)
`, `metric "broken" is Error`, "invalid operation: []float64 > float64", "not retried")
}
