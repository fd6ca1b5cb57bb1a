package rollout

import (
	"testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestPhaseNamesTheAnalysisItWaitsFor: at an analysis step the canary runs
// the pods its weight asks for — fewer than spec.replicas by design — and the
// rollout waits for the run. The phase message says so, not that replicas
// still need updating.
func TestPhaseNamesTheAnalysisItWaitsFor(t *testing.T) {
	ro, template := analysisRollout("web:1")
	f := newFixture(t, ro, template, service("web-stable"), service("web-canary"))
	f.syncN(3)
	f.setImage("web:2")
	f.syncN(4)
	st := f.rollout().Status
	if ptrValue(st.CurrentStepIndex) != 1 || len(f.stepRuns("1")) != 1 || st.UpdatedReplicas != 1 {
		t.Fatalf("want the analysis step running with one canary pod: step %d, %d runs, %d updated",
			ptrValue(st.CurrentStepIndex), len(f.stepRuns("1")), st.UpdatedReplicas)
	}
	if st.Phase != v1alpha1.RolloutPhaseProgressing || st.Message != "waiting for step analysis" {
		t.Fatalf("phase %s %q, want Progressing \"waiting for step analysis\"", st.Phase, st.Message)
	}
}

// TestPhaseMessages: what a Progressing rollout says it waits for, decided
// from the new ReplicaSet's size in this reconcile's plan (a canary step's,
// not spec.replicas) and the analysis the plan waits for.
func TestPhaseMessages(t *testing.T) {
	canary := testRollout("web:2") // 5 replicas
	blueGreen := testRollout("web:2")
	blueGreen.Spec.Strategy = v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{ActiveService: "web-active"}}
	for _, tc := range []struct {
		name string
		ro   *v1alpha1.Rollout
		// pods, updated: all pods and the new ReplicaSet's; available of the new one.
		pods, updated, available int32
		f                        phaseFacts
		want                     string
	}{
		{"canary growing to its step's size", canary, 5, 0, 0, phaseFacts{newWanted: 1}, "more replicas need to be updated"},
		{"canary pods starting", canary, 5, 1, 0, phaseFacts{newWanted: 1}, "updated replicas are still becoming available"},
		{"canary at an analysis step", canary, 5, 1, 1, phaseFacts{newWanted: 1, waitingFor: "step analysis"}, "waiting for step analysis"},
		{"stable side shrinking for the step", canary, 6, 1, 1, phaseFacts{newWanted: 1}, "old replicas are pending termination"},
		{"canary step not yet complete", canary, 5, 1, 1, phaseFacts{newWanted: 1}, "waiting for the canary step to complete"},
		{"promoting", canary, 6, 2, 2, phaseFacts{newWanted: 5}, "more replicas need to be updated"},
		{"pre-promotion analysis", blueGreen, 10, 5, 5, phaseFacts{newWanted: 5, waitingFor: "pre-promotion analysis"}, "waiting for pre-promotion analysis"},
		{"cutover", blueGreen, 10, 5, 5, phaseFacts{newWanted: 5}, "waiting for the Service cutover to finish"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &v1alpha1.RolloutStatus{StableRS: "a", CurrentPodHash: "b", Replicas: tc.pods, UpdatedReplicas: tc.updated,
				AvailableReplicas: tc.pods - tc.updated + tc.available}
			tc.f.newAvailable = tc.available
			got, message := phase(tc.ro, st, tc.f)
			if got != v1alpha1.RolloutPhaseProgressing || message != tc.want {
				t.Fatalf("%s %q, want Progressing %q", got, message, tc.want)
			}
		})
	}
}
