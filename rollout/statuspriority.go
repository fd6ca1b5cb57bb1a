package rollout

import (
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/sluice-dev/sluice/internal/priority"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// statusWriteLevel says how urgently a status write should leave the client's
// rate limiter (pkg/controller/prioritylimiter.go): priority.UserVisible when
// it changes where the rollout stands as `kubectl sluice get rollout` (and
// `kubectl wait`, Argo CD) show it, priority.Ordinary otherwise.
//
// User-visible: the spec generation the status answers (until it does, clients
// show "waiting for the controller to observe the latest spec"), the phase, the
// step, the pause conditions (a pause begun or ended, its countdown), the
// abort, the current and stable ReplicaSets (the revisions' roles, the images),
// the traffic weights, the blue-green Services' selectors, and any condition's
// status or reason.
//
// Ordinary: pod counts and the phase's message as they drift (the writes
// countswrite.go batches), a condition's message or times alone, and
// bookkeeping nobody reads on screen (analysis runs mirrored from their own
// objects, controllerPauses, promoteFull's clearing, restartedAt, the workload's
// generation, the collision count, the selector string).
func statusWriteLevel(stored, next *v1alpha1.RolloutStatus) priority.Level {
	if stored.ObservedGeneration != next.ObservedGeneration ||
		stored.Phase != next.Phase ||
		stored.CurrentPodHash != next.CurrentPodHash ||
		stored.StableRS != next.StableRS ||
		ptrValue(stored.CurrentStepIndex) != ptrValue(next.CurrentStepIndex) ||
		(stored.CurrentStepIndex == nil) != (next.CurrentStepIndex == nil) ||
		stored.Abort != next.Abort ||
		!equality.Semantic.DeepEqual(stored.PauseConditions, next.PauseConditions) ||
		!equality.Semantic.DeepEqual(stored.Canary.Weights, next.Canary.Weights) ||
		stored.BlueGreen.ActiveSelector != next.BlueGreen.ActiveSelector ||
		stored.BlueGreen.PreviewSelector != next.BlueGreen.PreviewSelector ||
		conditionsMoved(stored, next) {
		return priority.UserVisible
	}
	return priority.Ordinary
}

// conditionsMoved reports whether a condition appeared, went, or changed its
// status or reason between two statuses.
func conditionsMoved(stored, next *v1alpha1.RolloutStatus) bool {
	if len(stored.Conditions) != len(next.Conditions) {
		return true
	}
	for _, c := range next.Conditions {
		was := condition(stored, c.Type)
		if was == nil || was.Status != c.Status || was.Reason != c.Reason {
			return true
		}
	}
	return false
}
