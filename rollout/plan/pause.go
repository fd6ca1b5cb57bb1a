package plan

import (
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// controllerPause holds the rollout at a pause the controller sets (a pause step,
// the blue-green promotion pause, an inconclusive analysis) and reports whether it
// is over. The pause is recorded as a pause condition, and its reason in
// status.controllerPauses, so it survives restarts and a person can end it:
//   - no condition, and the reason not listed: the pause begins now (event
//     RolloutPaused, message);
//   - the reason listed but its condition cleared: someone promoted — over;
//   - after > 0 and that long since the condition's startTime: over by itself
//     (event RolloutResumed with endMessage, when given);
//   - otherwise it goes on (with a requeue for its end when timed).
//
// Each reason is judged on its own, so pauses that overlap (a pause step and an
// Inconclusive background run) neither end nor eat one another; a promote
// answers every pause it cleared.
func (p *planner) controllerPause(reason v1alpha1.PauseReason, message string, after time.Duration, endMessage string) bool {
	cond := p.pauseCondition(reason)
	if cond == nil {
		if p.promoted(reason) {
			p.forgetPause(reason)
			p.event(false, "RolloutResumed", "Rollout resumed")
			return true
		}
		p.status.PauseConditions = append(p.status.PauseConditions, v1alpha1.PauseCondition{
			Reason: reason, StartTime: metav1.NewTime(p.in.Now),
		})
		p.status.ControllerPauses = append(p.status.ControllerPauses, reason)
		p.status.ControllerPause = true
		p.event(false, "RolloutPaused", message)
		cond = &p.status.PauseConditions[len(p.status.PauseConditions)-1]
	}
	if after <= 0 {
		return false
	}
	if end := p.pauseStart(cond).Add(after); p.in.Now.Before(end) {
		p.requeueAfter(end.Sub(p.in.Now))
		return false
	}
	p.removePauseCondition(reason)
	p.forgetPause(reason)
	if endMessage != "" {
		p.event(false, "RolloutResumed", endMessage)
	}
	return true
}

// promoted reports whether a person ended the controller's pause for reason:
// it is listed in status.controllerPauses but its condition is gone. A status
// written before the list existed has only controllerPause; there a cleared
// condition list means a promote of whatever was paused.
func (p *planner) promoted(reason v1alpha1.PauseReason) bool {
	if len(p.status.ControllerPauses) == 0 {
		return p.status.ControllerPause && len(p.status.PauseConditions) == 0
	}
	return slices.Contains(p.status.ControllerPauses, reason)
}

// forgetPause drops a reason from the controller's pauses once its pause ended.
func (p *planner) forgetPause(reason v1alpha1.PauseReason) {
	p.status.ControllerPauses = slices.DeleteFunc(p.status.ControllerPauses, func(r v1alpha1.PauseReason) bool { return r == reason })
	if len(p.status.ControllerPauses) == 0 {
		p.status.ControllerPauses = nil
	}
	p.status.ControllerPause = len(p.status.ControllerPauses) > 0
}

// endPauses ends every pause: the update is over, aborted or started anew.
func (p *planner) endPauses() {
	p.status.PauseConditions = nil
	p.status.ControllerPauses = nil
	p.status.ControllerPause = false
}

// pauseStart is when a pause began: the exact time this process recorded when
// the stored (whole-second) startTime is that time truncated, else the stored one.
func (p *planner) pauseStart(cond *v1alpha1.PauseCondition) time.Time {
	stored := cond.StartTime.Time
	if exact, ok := p.in.ExactPauseStarts[cond.Reason]; ok && exact.Truncate(time.Second).Equal(stored.Truncate(time.Second)) {
		return exact
	}
	return stored
}

// beginAbort records when an abort began (the abort delays count from it, and
// the RolloutAborted event is told once) and ends any pause.
func (p *planner) beginAbort(message string) {
	if p.status.AbortedAt == nil {
		now := metav1.NewTime(p.in.Now)
		p.status.AbortedAt = &now
		p.event(true, "RolloutAborted", message)
	}
	p.endPauses()
}
