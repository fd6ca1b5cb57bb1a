package rollout

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestProgressDeadlineWaitsOutAnalysis: an analysis step of 5 measurements 3
// minutes apart outlasts a 10-minute progress deadline. Waiting for it is not a
// lack of progress; the deadline counts again from its end, as after a pause.
func TestProgressDeadlineWaitsOutAnalysis(t *testing.T) {
	ro := testRollout("web:2")
	ro.Spec.ProgressDeadlineSeconds = ptrTo(int32(600))
	start := metav1.NewTime(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	ro.Status = v1alpha1.RolloutStatus{StableRS: "a", CurrentPodHash: "b", CurrentStepIndex: ptrTo(int32(1)),
		Conditions: []v1alpha1.RolloutCondition{{Type: v1alpha1.RolloutProgressing, Status: corev1.ConditionTrue,
			Reason: v1alpha1.ReasonReplicaSetUpdated, Message: "Rollout is progressing to b", LastUpdateTime: start, LastTransitionTime: start}}}

	// look runs one reconcile at start+after and stores its status.
	look := func(after time.Duration, waitingFor string) (*v1alpha1.RolloutCondition, time.Duration) {
		st := ro.Status.DeepCopy()
		left := updateProgressing(ro, &ro.Status, st, progressFacts{waitingFor: waitingFor}, metav1.NewTime(start.Add(after)))
		ro.Status = *st
		return condition(st, v1alpha1.RolloutProgressing), left
	}
	for _, at := range []time.Duration{time.Minute, 9 * time.Minute, 15 * time.Minute} {
		if c, left := look(at, "step analysis"); c.Reason != v1alpha1.ReasonReplicaSetUpdated || c.Status != corev1.ConditionTrue || left != 0 {
			t.Fatalf("%s into a running analysis: Progressing %s/%s, deadline in %s — want no deadline", at, c.Status, c.Reason, left)
		}
	}
	if c, left := look(16*time.Minute, ""); c.Reason != v1alpha1.ReasonReplicaSetUpdated || left != 10*time.Minute {
		t.Fatalf("when the analysis ended: Progressing %s, deadline in %s — want a fresh 10m", c.Reason, left)
	}
	if c, _ := look(26*time.Minute+time.Second, ""); c.Reason != v1alpha1.ReasonProgressDeadlineExceeded {
		t.Fatalf("10m after the analysis ended without progress: %s, want ProgressDeadlineExceeded", c.Reason)
	}
}
