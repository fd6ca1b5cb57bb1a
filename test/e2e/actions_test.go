//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// unreachableTemplate is an AnalysisTemplate whose Prometheus refuses every
// connection: its first measurement is an error and, with no errors allowed,
// the run ends in Error at once.
const unreachableTemplate = `
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: unreachable}
spec:
  metrics:
  - name: error-rate
    interval: 1s
    consecutiveErrorLimit: 0
    successCondition: result[0] < 0.1
    provider:
      prometheus:
        address: http://127.0.0.1:1
        timeout: 2
        query: vector(0)
`

const analysisThenPause = `
      - setWeight: 50
      - analysis:
          templates: [{templateName: unreachable}]
      - pause: {}`

// TestPromoteOfAnAbortedRolloutIsRefusedAndRetryRunsAnalysisAgain is the
// sequence of issue 22: an analysis step ends in Error and aborts the update;
// `promote` and `promote --full` used to answer "promoted" with exit 0, the
// second leaving status.promoteFull armed, and the `retry` that followed went
// Healthy on the new image with no new AnalysisRun. Now both promotes are
// refused (exit 1, pointing at retry) and change nothing; a promote-full
// written by someone else while aborted is dropped by the controller; and the
// retry starts over at the first step with a fresh run, which errors again and
// aborts again: the new image never becomes stable without its analysis.
func TestPromoteOfAnAbortedRolloutIsRefusedAndRetryRunsAnalysisAgain(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	f.Apply(unreachableTemplate)
	stable := deployHealthy(f, canaryRollout("web", 2, analysisThenPause, "", "")).Status.StableRS
	f.SetImage("web", imageV2)

	first := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 1)
	f.WaitForRunPhase(first, v1alpha1.AnalysisPhaseError, 60*time.Second)
	abortedAgain := func(what string) *v1alpha1.Rollout {
		return f.WaitForRollout("web", what, 60*time.Second, func(ro *v1alpha1.Rollout) bool {
			return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Abort && ro.Status.Phase == v1alpha1.RolloutPhaseDegraded
		})
	}
	abortedAgain("is aborted by the analysis step's Error")

	refusal := `error: rollout "web" is aborted: promote does not go on with an aborted update; 'kubectl sluice retry web' starts it again from the first step with fresh analysis`
	for _, args := range [][]string{{"promote", "web"}, {"promote", "web", "--full"}} {
		stdout, stderr, code := f.Plugin(args...)
		if code != 1 || stdout != "" || stderr != refusal+"\n" {
			t.Fatalf("kubectl sluice %s on an aborted rollout: exit %d, stdout %q, stderr %q; want exit 1 and %q",
				strings.Join(args, " "), code, stdout, stderr, refusal)
		}
	}
	if ro := f.Rollout("web"); !ro.Status.Abort || ro.Status.PromoteFull {
		t.Fatalf("the refused promotes changed the rollout: %s", framework.Describe(ro))
	}
	_, stderr, code := f.Plugin("abort", "web")
	if code != 1 || stderr != "error: rollout \"web\" is already aborted: nothing to abort\n" {
		t.Fatalf("abort of an aborted rollout: exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = f.Plugin("terminate", "analysisrun", first)
	if want := fmt.Sprintf("error: analysisrun %q has already finished (Error): nothing to terminate\n", first); code != 1 || stderr != want {
		t.Fatalf("terminate of a finished run: exit %d, stderr %q, want %q", code, stderr, want)
	}

	// A promote-full written by someone else (kubectl patch) is not kept for
	// the retry.
	f.PromoteFull("web")
	f.WaitForRollout("web", "has dropped the promote-full written while aborted", 30*time.Second, func(ro *v1alpha1.Rollout) bool {
		return !ro.Status.PromoteFull && ro.Status.Abort
	})

	wantOutput(t, "retry", plugin(f, 0, "retry", "web"), `rollout "web" retried: the update starts over at step 1/3 (setWeight 50)`)
	second := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 2)
	if second == first {
		t.Fatalf("the retry reused the run %s", first)
	}
	run := f.WaitForRunPhase(second, v1alpha1.AnalysisPhaseError, 60*time.Second)
	if run.Labels[v1alpha1.StepIndexLabel] != "1" {
		t.Errorf("the retry's run is for step index %q, want the analysis step (1)", run.Labels[v1alpha1.StepIndexLabel])
	}
	ro := abortedAgain("is aborted again by the fresh run's Error")
	if ro.Status.StableRS != stable || ro.Status.PromoteFull {
		t.Fatalf("after the retry the new image went stable without its analysis: %s", framework.Describe(ro))
	}
}
