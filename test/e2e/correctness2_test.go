//go:build e2e

package e2e

// Regression tests for defects a user sees: a retry that let an analysis step
// pass on its run from before the abort, a blue-green release superseded
// during its post-promotion analysis that took the pods from under the active
// Service, and an Inconclusive background run at a pause step that read as a
// promote.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// spentLabel marks a run the rollout will never use again (docs/analysis.md).
const spentLabel = "sluice.dev/analysis-spent"

// stepRuns lists the namespace's step AnalysisRuns of one step index, oldest first.
func stepRuns(f *framework.Framework, index string) []v1alpha1.AnalysisRun {
	var out []v1alpha1.AnalysisRun
	for _, r := range runsOfKind(f, v1alpha1.AnalysisKindStep) {
		if r.Labels[v1alpha1.StepIndexLabel] == index {
			out = append(out, r)
		}
	}
	return out
}

func describeRuns(runs []v1alpha1.AnalysisRun) string {
	var out []string
	for _, r := range runs {
		out = append(out, fmt.Sprintf("%s (step %s, %s, spent=%s)", r.Name, r.Labels[v1alpha1.StepIndexLabel], r.Status.Phase, r.Labels[spentLabel]))
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// waitForErrorShare waits until Prometheus reports exactly share for version.
func waitForErrorShare(f *framework.Framework, version string, share float64) {
	f.T.Helper()
	f.Eventually(fmt.Sprintf("the error share of %s is %g", version, share), 30*time.Second, func() (bool, string) {
		v, err := queryScalar(errorShare(version))
		return err == nil && v == share, fmt.Sprint(v, err)
	})
}

// TestRetryMakesFreshRuns (SPEC §2.5, §3.5): a canary with two analysis steps
// passes the first, fails the second and aborts. After the fix and a retry,
// BOTH analysis steps run again on fresh AnalysisRuns — the old ones labelled
// spent — and the release completes once those pass. (The defect: runs were
// matched by hash, revision and step, which the retry shares, so the first
// analysis step passed at once on its Successful run from before the abort.)
func TestRetryMakesFreshRuns(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := startVersion(f, 0)
	// Three measurements 2 s apart: the second run's last one is taken more
	// than a rate window (5 s) after the test raises the error rate.
	f.Apply(errorRateTemplate("error-rate", `
    interval: 2s
    count: 3
    successCondition: result[0] < 0.1`))
	analysis := fmt.Sprintf(`
      - analysis:
          templates: [{templateName: error-rate}]
          args: [{name: version, value: %s}]`, version)
	steps := `
      - setWeight: 20` + analysis + `
      - setWeight: 50` + analysis
	deployHealthy(f, canaryRollout("web", 4, steps, "", ""))
	f.SetImage("web", imageV2)

	old1 := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 1)
	f.WaitForRunPhase(old1, v1alpha1.AnalysisPhaseSuccessful, 60*time.Second)
	f.SetExporter(version, 0.9) // the canary goes bad before the second analysis step
	old3 := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 2)
	f.WaitForRunPhase(old3, v1alpha1.AnalysisPhaseFailed, 60*time.Second)
	ro := f.WaitForRollout("web", "is aborted with the canary scaled down", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.Phase == v1alpha1.RolloutPhaseDegraded && ro.Status.Abort &&
			replicasOf(f.ReplicaSets("web")[ro.Status.CurrentPodHash]) == 0
	})
	canary := ro.Status.CurrentPodHash
	if runs := runsOfKind(f, v1alpha1.AnalysisKindStep); len(runs) != 2 ||
		runs[0].Labels[v1alpha1.StepIndexLabel] != "1" || runs[1].Labels[v1alpha1.StepIndexLabel] != "3" {
		t.Fatalf("fixture: want one run for step 1 and one for step 3 before the retry, got %s", describeRuns(runs))
	}

	// The canary is fixed; retry.
	f.SetExporter(version, 0)
	waitForErrorShare(f, version, 0)
	f.Retry("web")

	// While the Rollout is at step 1, its step analysis mirror must name a run
	// of this attempt, never the one that passed before the abort.
	var atStep1 []string
	ro = f.WaitForRollout("web", "is Healthy on the new template after the retry", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
		if i := ro.Status.CurrentStepIndex; i != nil && *i == 1 && !ro.Status.Abort {
			if m := ro.Status.Canary.CurrentStepAnalysisRunStatus; m != nil && !slices.Contains(atStep1, m.Name) {
				atStep1 = append(atStep1, m.Name)
			}
		}
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy
	})
	if ro.Status.StableRS != canary {
		t.Fatalf("Healthy on %s, want the retried template %s: %s", ro.Status.StableRS, canary, framework.Describe(ro))
	}

	for _, step := range []struct{ index, old string }{{"1", old1}, {"3", old3}} {
		runs := stepRuns(f, step.index)
		var fresh []string
		for _, r := range runs {
			switch {
			case r.Name == step.old:
				if r.Labels[spentLabel] != "true" {
					t.Errorf("step %s's run from before the retry, %s, is not labelled %s=true: %s", step.index, r.Name, spentLabel, describeRuns(runs))
				}
			case r.Status.Phase == v1alpha1.AnalysisPhaseSuccessful && r.Labels[framework.HashLabel] == canary:
				fresh = append(fresh, r.Name)
			}
		}
		if len(fresh) != 1 {
			t.Errorf("after the retry step %s has %d fresh Successful run(s), want 1 (runs of step %s: %s)", step.index, len(fresh), step.index, describeRuns(runs))
		}
	}
	if len(atStep1) == 0 {
		t.Errorf("the Rollout never showed a step analysis run while at step 1 after the retry: it passed the step at once")
	}
	for _, name := range atStep1 {
		if name == old1 || name == old3 {
			t.Errorf("at step 1 after the retry the Rollout's currentStepAnalysisRunStatus named %s, a run from before the retry (all seen: %v)", name, atStep1)
		}
	}
}

// TestBlueGreenSupersedeDuringPostPromotion (SPEC §2.7 rules 1 and 2): a
// blue-green release B is behind the active Service, its post-promotion
// analysis running, when a third template C arrives. The active Service goes
// back to the stable side, C comes up behind the preview and B's pods go —
// but only once no Service lists them: every change of the namespace's
// ReplicaSets, pods, Services and EndpointSlices is replayed in
// resourceVersion order, and in every state the active Service has a ready
// endpoint and each ready endpoint of the active and preview Services is a
// live pod whose ReplicaSet keeps spec.replicas > 0. (The defect: the active
// Service moved back and B was scaled to 0 in the same reconcile, so
// production's endpoints listed terminating pods.)
func TestBlueGreenSupersedeDuringPostPromotion(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	// Successful all along, and long enough (20 × 2 s) to be running when C comes.
	f.Apply(`
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: always}
spec:
  metrics:
  - name: always-one
    interval: 2s
    count: 20
    successCondition: result[0] == 1
    provider:
      prometheus: {query: vector(1)}
`)
	a := deployBlueGreen(f, blueGreenRollout(2, `
      postPromotionAnalysis: {templates: [{templateName: always}]}`))
	f.SetImage("bg", imageV2)
	ro := f.WaitForRollout("bg", "has the active Service on B with its post-promotion analysis running", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		m := ro.Status.BlueGreen.PostPromotionAnalysisRunStatus
		b := ro.Status.CurrentPodHash
		return ro.Status.ObservedGeneration == ro.Generation && b != a && ro.Status.StableRS == a &&
			f.ServiceSelects("bg-active") == b && m != nil && m.Status == v1alpha1.AnalysisPhaseRunning
	})
	b, postRun := ro.Status.CurrentPodHash, ro.Status.BlueGreen.PostPromotionAnalysisRunStatus.Name
	f.Eventually("the active Service's ready endpoints are B's 2 pods", 30*time.Second, func() (bool, string) {
		n, err := framework.ReadyEndpoints(f, "bg-active")
		return n == 2, fmt.Sprint(n, err)
	})

	sides := f.SampleServiceSides()
	f.SetImage("bg", imageV3)
	f.WaitForRollout("bg", "has C behind the preview and B's pods gone", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		c := ro.Status.CurrentPodHash
		rs := f.ReplicaSets("bg")[b]
		return ro.Status.ObservedGeneration == ro.Generation && c != a && c != b &&
			f.ServiceSelects("bg-preview") == c && rs != nil && replicasOf(rs) == 0 && rs.Status.Replicas == 0
	})
	if sides.Changes() == 0 {
		t.Fatal("the sides sampler recorded no change: it did not run")
	}
	t.Logf("A %s, B %s, C %s: %d changes recorded", a, b, f.Rollout("bg").Status.CurrentPodHash, sides.Changes())
	if v := sides.Check(func(st *framework.SidesState) string {
		return strings.Join(slices.DeleteFunc([]string{
			st.ServedEndpointProblems("bg-active", true),
			st.ServedEndpointProblems("bg-preview", false),
		}, func(s string) bool { return s == "" }), "; ")
	}); len(v) > 0 {
		t.Errorf("a Service listed pods that were going away (SPEC §2.7 rules 1, 2), %d time(s):\n  %s", len(v), strings.Join(v, "\n  "))
	}
	run, err := f.Sluice.SluiceV1alpha1().AnalysisRuns(f.Namespace).Get(f.Ctx, postRun, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !run.Spec.Terminate {
		t.Errorf("B's post-promotion run was not terminated when C superseded B (SPEC §3.5): %s", framework.DescribeRun(run))
	}
}

func pauseReasons(ro *v1alpha1.Rollout) []v1alpha1.PauseReason {
	var out []v1alpha1.PauseReason
	for _, c := range ro.Status.PauseConditions {
		out = append(out, c.Reason)
	}
	return out
}

// TestInconclusiveBackgroundDuringPause (SPEC §2.3, §3.5, docs/analysis.md):
// a background run that ends Inconclusive while the canary waits at a pause
// step pauses the Rollout for that too — both CanaryPauseStep and
// InconclusiveAnalysisRun are listed, and nothing resumes — and one promote
// answers both: the Rollout goes on to setWeight 80 and the next pause, with a
// fresh background run. (The defect: one controllerPause flag stood for every
// pause, so the Inconclusive result read as a promote of the pause step: a
// RolloutResumed event, the result dropped, and promotes that did not move on.)
func TestInconclusiveBackgroundDuringPause(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := startVersion(f, 0)
	// Both conditions false between 0.1 and 0.5: Inconclusive.
	f.Apply(errorRateTemplate("error-rate", `
    interval: 1s
    successCondition: result[0] < 0.1
    failureCondition: result[0] > 0.5`))
	background := fmt.Sprintf(`
      analysis:
        templates: [{templateName: error-rate}]
        args: [{name: version, value: %s}]
        startingStep: 0`, version)
	deployHealthy(f, canaryRollout("web", 5, `
      - setWeight: 50
      - pause: {}
      - setWeight: 80
      - pause: {}`, background, ""))
	f.SetImage("web", imageV2)
	ro := f.WaitForPausedAtStep("web", 1, 60*time.Second)
	canary := ro.Status.CurrentPodHash
	if got := pauseReasons(ro); !slices.Equal(got, []v1alpha1.PauseReason{v1alpha1.PauseReasonCanaryPauseStep}) {
		t.Fatalf("fixture: paused at step 1 for %v, want only the pause step", got)
	}
	first := waitForRunOfKind(f, v1alpha1.AnalysisKindBackground, 1)
	f.WaitForRun(first, "a successful measurement", 30*time.Second, func(r *v1alpha1.AnalysisRun) bool {
		return r.Status.Phase == v1alpha1.AnalysisPhaseRunning && len(r.Status.MetricResults) == 1 && r.Status.MetricResults[0].Successful >= 1
	})
	if n := f.EventCount("web", "RolloutResumed"); n != 0 {
		t.Fatalf("fixture: %d RolloutResumed event(s) before the test made the run Inconclusive", n)
	}

	f.SetExporter(version, 0.3)
	f.WaitForRunPhase(first, v1alpha1.AnalysisPhaseInconclusive, 60*time.Second)
	bothPaused := func(ro *v1alpha1.Rollout) bool {
		r := pauseReasons(ro)
		return ro.Status.Phase == v1alpha1.RolloutPhasePaused && !ro.Status.Abort &&
			ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex == 1 &&
			slices.Contains(r, v1alpha1.PauseReasonCanaryPauseStep) && slices.Contains(r, v1alpha1.PauseReasonInconclusiveAnalysis)
	}
	ro = f.WaitForRollout("web", "is paused at step 1 for the pause step and the Inconclusive run", 20*time.Second, bothPaused)
	f.Consistently("both pauses to stand", 2*time.Second, func() (bool, string) {
		ro := f.Rollout("web")
		return bothPaused(ro), fmt.Sprintf("%s reasons %v", framework.Describe(ro), pauseReasons(ro))
	})
	if n := f.EventCount("web", "RolloutResumed"); n != 0 {
		t.Errorf("%d RolloutResumed event(s) while nobody promoted: the Inconclusive run read as a promote (events %v)", n, f.EventReasons("web"))
	}
	if runs := runsOfKind(f, v1alpha1.AnalysisKindBackground); len(runs) != 1 {
		t.Errorf("%d background runs before the promote, want the one that went Inconclusive (%s): the result was dropped and the run replaced", len(runs), first)
	}
	if m := ro.Status.Canary.CurrentBackgroundAnalysisRunStatus; m == nil || m.Name != first || m.Status != v1alpha1.AnalysisPhaseInconclusive {
		t.Errorf("background mirror %+v, want %s Inconclusive", m, first)
	}

	// The canary is fixed and a person promotes once.
	f.SetExporter(version, 0)
	waitForErrorShare(f, version, 0)
	var before []string
	for _, r := range runsOfKind(f, v1alpha1.AnalysisKindBackground) {
		before = append(before, r.Name)
	}
	f.Promote("web")
	ro = f.WaitForPausedAtStep("web", 3, 30*time.Second)
	if got := pauseReasons(ro); !slices.Equal(got, []v1alpha1.PauseReason{v1alpha1.PauseReasonCanaryPauseStep}) {
		t.Errorf("paused at step 3 for %v, want only the pause step", got)
	}
	f.Eventually("setWeight 80: 4 canary pods available", 30*time.Second, func() (bool, string) {
		rs := f.ReplicaSets("web")[canary]
		return rs != nil && replicasOf(rs) == 4 && rs.Status.AvailableReplicas == 4, describeReplicaSets(f.ReplicaSets("web"))
	})
	var fresh string
	f.WaitForRollout("web", "runs a fresh background analysis at step 3", 30*time.Second, func(ro *v1alpha1.Rollout) bool {
		m := ro.Status.Canary.CurrentBackgroundAnalysisRunStatus
		if m == nil || slices.Contains(before, m.Name) || m.Status != v1alpha1.AnalysisPhaseRunning {
			return false
		}
		fresh = m.Name
		return true
	})
	f.Consistently("one promote to have been enough: paused at step 3 for the pause step alone, the fresh run running", 3*time.Second, func() (bool, string) {
		ro := f.Rollout("web")
		m := ro.Status.Canary.CurrentBackgroundAnalysisRunStatus
		ok := ro.Status.Phase == v1alpha1.RolloutPhasePaused && ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex == 3 &&
			slices.Equal(pauseReasons(ro), []v1alpha1.PauseReason{v1alpha1.PauseReasonCanaryPauseStep}) &&
			m != nil && m.Name == fresh && m.Status == v1alpha1.AnalysisPhaseRunning
		return ok, fmt.Sprintf("%s reasons %v background %+v", framework.Describe(ro), pauseReasons(ro), m)
	})

	f.Promote("web")
	ro = f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if ro.Status.StableRS != canary {
		t.Errorf("Healthy on %s, want %s: %s", ro.Status.StableRS, canary, framework.Describe(ro))
	}
}
