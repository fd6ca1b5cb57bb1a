package plan

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// controllerPause holds the rollout at a pause the controller sets (a pause step,
// the blue-green promotion pause, an inconclusive analysis) and reports whether it
// is over. The pause is recorded as a pause condition plus status.controllerPause,
// so it survives restarts and a person can end it:
//   - no condition yet: the pause begins now (event RolloutPaused, message);
//   - controllerPause set but the condition cleared: someone promoted — over;
//   - after > 0 and that long since the condition's startTime: over by itself
//     (event RolloutResumed with endMessage, when given);
//   - otherwise it goes on (with a requeue for its end when timed).
func (p *planner) controllerPause(reason v1alpha1.PauseReason, message string, after time.Duration, endMessage string) bool {
	cond := p.pauseCondition(reason)
	if cond == nil {
		if p.status.ControllerPause {
			p.status.ControllerPause = false
			p.event(false, "RolloutResumed", "Rollout resumed")
			return true
		}
		p.status.PauseConditions = append(p.status.PauseConditions, v1alpha1.PauseCondition{
			Reason: reason, StartTime: metav1.NewTime(p.in.Now),
		})
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
	p.status.ControllerPause = false
	if endMessage != "" {
		p.event(false, "RolloutResumed", endMessage)
	}
	return true
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
	p.status.PauseConditions = nil
	p.status.ControllerPause = false
}
