package triggers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// rollingBack is the release's revision 2 (h2) stable and revision 1's
// template (h1) brought back by an undo, with index steps completed. Its
// ReplicaSet keeps revision 1 until it becomes stable.
func rollingBack(index int32) *v1alpha1.Rollout {
	ro := completedRelease()
	ro.Generation, ro.Status.ObservedGeneration = 3, 3
	ro.Spec.Template.Spec.Containers[0].Image = "web:1"
	ro.Status.CurrentPodHash = "h1"
	ro.Status.CurrentStepIndex = i32(index)
	ro.Status.Phase = v1alpha1.RolloutPhaseProgressing
	ro.Status.Conditions = nil
	return ro
}

// rollbackStates walk that undo with its steps (no rollback window), then a
// new update (h3). The runs of revision 1's own release stay, and the
// analysis of the return is named after revision 1 too.
func rollbackStates() []Input {
	oldRun := run("web-h1-1-2", "1", v1alpha1.AnalysisPhaseSuccessful, -3000, -2900) // revision 1's release
	releaseRun := run("web-h2-2-2", "2", v1alpha1.AnalysisPhaseSuccessful, 70, 130)
	returning := run("web-h1-1-2-2", "1", v1alpha1.AnalysisPhaseRunning, 1000, 0)
	returned := run("web-h1-1-2-2", "1", v1alpha1.AnalysisPhaseSuccessful, 1000, 1060)

	done := rollingBack(4)
	done.Status.StableRS, done.Status.Phase = "h1", v1alpha1.RolloutPhaseHealthy
	done.Status.Conditions = []v1alpha1.RolloutCondition{{Type: v1alpha1.RolloutCompleted, Status: corev1.ConditionTrue, LastTransitionTime: at(1100)}}
	next := completedRelease()
	next.Generation, next.Status.ObservedGeneration = 4, 4
	next.Status.StableRS, next.Status.CurrentPodHash = "h1", "h3"
	next.Status.CurrentStepIndex = i32(0)
	next.Status.Phase = v1alpha1.RolloutPhaseProgressing

	before := map[string]int64{"h1": 1, "h2": 2}
	after := map[string]int64{"h1": 3, "h2": 2}
	states := []Input{
		{Rollout: completedRelease(), Runs: runs(oldRun, releaseRun), Revisions: before},
		{Rollout: rollingBack(0), Runs: runs(oldRun, releaseRun), Revisions: before},
		{Rollout: rollingBack(2), Runs: runs(oldRun, releaseRun, returning), Revisions: before},
		{Rollout: rollingBack(3), Runs: runs(oldRun, releaseRun, returned), Revisions: before},
		{Rollout: done, Runs: runs(oldRun, releaseRun, returned), Revisions: after}, // renumbered as it became stable
		{Rollout: next, Runs: runs(oldRun, releaseRun, returned), Revisions: map[string]int64{"h1": 3, "h2": 2, "h3": 4}},
	}
	for i := range states {
		states[i].Created = created(map[string]int{"h1": -3600, "h2": 0, "h3": 5000})
		states[i].Now = t0.Add(time.Duration(i) * time.Hour)
	}
	return states
}

func runs(rs ...*v1alpha1.AnalysisRun) []*v1alpha1.AnalysisRun { return rs }

func TestARollbackKeepsItsKeysAcrossTheRenumbering(t *testing.T) {
	r := &receiver{t: t}
	for _, in := range rollbackStates() {
		r.observe(in)
	}
	want := []string{
		uid + "/rev-3/on-rollout-updated",
		uid + "/rev-3/on-rollout-rolled-back",
		uid + "/rev-3/on-rollout-step-completed/step-1",
		uid + "/rev-3/on-rollout-step-completed/step-2",
		uid + "/rev-3/on-analysis-run-running/web-h1-1-2-2",
		uid + "/rev-3/on-analysis-run-successful/web-h1-1-2-2",
		uid + "/rev-3/on-rollout-step-completed/step-3",
		uid + "/rev-3/on-rollout-step-completed/step-4", // completed with the promotion
		uid + "/rev-3/on-rollout-completed",
		uid + "/rev-4/on-rollout-updated",
	}
	if diff := cmp.Diff(want, r.got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestAFastRollbackSendsNoSteps(t *testing.T) {
	states := rollbackStates()
	r := &receiver{t: t}
	stableAtOnce := states[4]
	stableAtOnce.Runs = states[1].Runs                               // no analysis either
	for _, in := range []Input{states[0], states[1], stableAtOnce} { // step 0 to stable at once
		r.observe(in)
	}
	want := []string{
		uid + "/rev-3/on-rollout-updated",
		uid + "/rev-3/on-rollout-rolled-back",
		uid + "/rev-3/on-rollout-completed",
	}
	if diff := cmp.Diff(want, r.got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestAnUndoDuringACanaryIsARollbackToTheStableRevision(t *testing.T) {
	undo := input(stable()) // back on h1 while revision 2 (h2) was a canary: h1 keeps revision 1
	undo.Revisions = revisions("h1", "h2")
	got := keys(Events(undo))
	want := []string{uid + "/rev-1/on-rollout-updated", uid + "/rev-1/on-rollout-rolled-back", uid + "/rev-1/on-rollout-completed"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}
