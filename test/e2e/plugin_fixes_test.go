//go:build e2e

package e2e

import (
	"fmt"
	"maps"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// roleMetadata gives canary and stable pods a role label (and stable pods an
// annotation), which the controller also writes into their ReplicaSets' pod
// templates.
const roleMetadata = `
      canaryMetadata: {labels: {role: canary}}
      stableMetadata: {labels: {role: stable}, annotations: {team: web}}`

// TestUndoFastRollbackRestoresTemplate: `undo` within the rollback window goes
// back to the old ReplicaSet as it is (a fast rollback: no new ReplicaSet, no
// step), because the template it writes is the one the user wrote, without the
// role metadata the controller had put on that ReplicaSet's template.
func TestUndoFastRollbackRestoresTemplate(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	first := deployHealthy(f, canaryRollout("web", 3, demoSteps, roleMetadata, `
  rollbackWindow: {revisions: 2}`)).Status.StableRS
	want := f.Rollout("web").Spec.Template.ObjectMeta

	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 1, 60*time.Second)
	f.PromoteFull("web")
	if second := waitHealthy(f, "web"); second == first {
		t.Fatalf("v2 did not get a ReplicaSet of its own (stable still %q)", first)
	}
	// The precondition of the defect: the old ReplicaSet's template carries the
	// stable role the controller gave it.
	if labels := f.ReplicaSets("web")[first].Spec.Template.Labels; labels["role"] != "stable" {
		t.Fatalf("the v1 ReplicaSet's template labels are %v, want role=stable on them", labels)
	}
	pauses := f.EventCount("web", "RolloutPaused")

	wantOutput(t, "undo", plugin(f, 0, "undo", "web"), `rollout "web" rolled back to revision 1`)
	got := f.Rollout("web").Spec.Template.ObjectMeta
	if !maps.Equal(got.Labels, want.Labels) || !maps.Equal(got.Annotations, want.Annotations) {
		t.Fatalf("after undo the template has labels %v annotations %v, want the ones written: %v %v",
			got.Labels, got.Annotations, want.Labels, want.Annotations)
	}

	ro := f.WaitForRollout("web", "is Healthy on the v1 ReplicaSet", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
			ro.Status.StableRS == first
	})
	if ro.Status.CurrentPodHash != first {
		t.Fatalf("undo runs %q, want the v1 ReplicaSet %q: %s", ro.Status.CurrentPodHash, first, framework.Describe(ro))
	}
	if n := len(f.ReplicaSets("web")); n != 2 {
		t.Fatalf("undo left %d ReplicaSets, want 2: the v1 ReplicaSet reused, no new one", n)
	}
	f.Consistently("the rollback paused at no step", 3*time.Second, func() (bool, string) {
		n := f.EventCount("web", "RolloutPaused")
		return n == pauses, fmt.Sprintf("%d pauses, %d before the undo: %v", n, pauses, f.EventReasons("web"))
	})
	f.Eventually("the v1 pods are labelled role=stable again", 30*time.Second, func() (bool, string) {
		stable := f.PodNames("app=web,role=stable," + framework.HashLabel + "=" + first)
		return len(stable) == 3, fmt.Sprint(stable)
	})
}

// manualPauseSteps start with an indefinite pause, so a promote that skipped a
// step where it should only unpause shows: the rollout would pause at step 2,
// not at step 0.
const manualPauseSteps = `
      - pause: {}
      - setWeight: 50
      - pause: {}`

// TestPromoteManuallyPausedUnpausesWithoutSkipping: promote on a manually paused
// Rollout succeeds and does one thing. Paused by hand with no pause step reached
// it only unpauses (the rollout then stops at its first step, a pause); paused by
// hand at a pause step it ends both pauses and the rollout goes on.
func TestPromoteManuallyPausedUnpausesWithoutSkipping(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	stable := deployHealthy(f, canaryRollout("web", 2, manualPauseSteps, "", "")).Status.StableRS

	wantOutput(t, "pause", plugin(f, 0, "pause", "web"), `rollout "web" paused`)
	f.SetImage("web", imageV2)
	f.WaitForRollout("web", "holds the new revision at step 0, manually paused", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Spec.Paused && ro.Status.ObservedGeneration == ro.Generation && ro.Status.CurrentPodHash != stable &&
			ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex == 0 && len(ro.Status.PauseConditions) == 0
	})
	wantOutput(t, "promote", plugin(f, 0, "promote", "web"), `rollout "web" resumed at step 1/3 (pause (until promoted))`)
	ro := f.WaitForPausedAtStep("web", 0, 60*time.Second)
	if ro.Spec.Paused || len(ro.Status.PauseConditions) != 1 || ro.Status.PauseConditions[0].Reason != v1alpha1.PauseReasonCanaryPauseStep {
		t.Fatalf("after the promote of the manual pause: spec.paused=%v pauseConditions=%v, want unpaused at the pause step",
			ro.Spec.Paused, ro.Status.PauseConditions)
	}

	wantOutput(t, "pause", plugin(f, 0, "pause", "web"), `rollout "web" paused at step 1/3 (pause (until promoted))`)
	f.WaitForRollout("web", "is manually paused at the pause step", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Spec.Paused && ro.Status.ObservedGeneration == ro.Generation && len(ro.Status.PauseConditions) == 1
	})
	wantOutput(t, "promote", plugin(f, 0, "promote", "web"), `rollout "web" promoted past step 1/3 (pause (until promoted)); now at step 2/3 (setWeight 50)`)
	ro = f.WaitForPausedAtStep("web", 2, 60*time.Second)
	if ro.Spec.Paused {
		t.Fatalf("spec.paused still set after the promote: %s", framework.Describe(ro))
	}

	wantOutput(t, "promote", plugin(f, 0, "promote", "web"), `rollout "web" promoted past step 3/3 (pause (until promoted)); all 3 steps complete`)
	if got := waitHealthy(f, "web"); got == stable {
		t.Fatalf("the update did not finish on the new ReplicaSet (stable still %q)", stable)
	}
}
