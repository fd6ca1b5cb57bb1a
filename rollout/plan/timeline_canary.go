package plan

import (
	"fmt"
	"slices"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// canaryRecorder makes a row per canary step, one for the promotion, and one for
// the old side's scale-down when it outlives the promotion (a routed canary's
// scaleDownDelaySeconds).
type canaryRecorder struct {
	sim *simulation
	// done counts the steps with a row.
	done int
	// maxPods is the most pods since the last row.
	maxPods  int32
	promoted bool
}

func (r *canaryRecorder) observe(in Input, p Plan) []TimelineRow {
	s := r.sim
	var rows []TimelineRow
	// Steps that complete in this reconcile completed on the state before it;
	// the pods it adds belong to the step it goes on to.
	podsBefore := s.pods()
	for step := int(ptrOr(p.Status.CurrentStepIndex, 0)); r.done < step && !r.promoted; r.done++ {
		row := r.stepRow(in, r.done)
		row.MaxPods = max(r.maxPods, podsBefore, row.Canary+row.Stable)
		rows = append(rows, row)
		r.maxPods = 0
	}
	oldPods := s.old.Replicas
	s.apply(p)
	r.maxPods = max(r.maxPods, s.pods())
	switch {
	case !r.promoted && p.Status.StableRS == "new":
		r.promoted = true
		// Both sides are the new pods now: all of the work is theirs.
		rows = append(rows, r.snapshotRow("promoted: the new ReplicaSet is stable", 100))
		r.maxPods = s.pods()
	case r.promoted && oldPods > 0 && s.old.Replicas == 0:
		delay := time.Duration(ptrOr(s.ro.Spec.Strategy.Canary.ScaleDownDelaySeconds, v1alpha1.DefaultScaleDownDelaySeconds)) * time.Second
		rows = append(rows, r.snapshotRow(fmt.Sprintf("old ReplicaSet scaled down after scaleDownDelaySeconds (%s)", delay), 100))
	}
	return rows
}

// snapshotRow is the state now, after the reconcile.
func (r *canaryRecorder) snapshotRow(description string, weight int32) TimelineRow {
	s := r.sim
	return TimelineRow{Step: -1, Description: description, Weight: weight,
		Canary: s.new.Replicas, Stable: s.old.Replicas, MaxPods: r.maxPods, At: s.now}
}

// stepRow is the state once step k is done, as the controller's planning
// itself describes it: asked about the same reconcile, with the steps after k
// replaced by an indefinite pause, it completes the steps up to k and then
// holds what they set — the pods it wants for both sides and the weight it has
// the router carry. So a step that takes effect through the steps after it
// (setCanaryScale sizes the canary for the next pause) shows its effect, and a
// setWeight the router takes in the same reconcile that completes it shows its
// own weight, not the one before.
func (r *canaryRecorder) stepRow(in Input, k int) TimelineRow {
	s := r.sim
	steps := s.ro.Spec.Strategy.Canary.Steps
	row := TimelineRow{Step: k, Description: rowDescription(steps[k]), At: s.now}
	p, ok := r.withStepsUpTo(in, k)
	canary, stable := in.New.Replicas, in.Stable.Replicas
	if ok {
		canary, stable = replicasIn(p, in.New), replicasIn(p, in.Stable)
	}
	row.Canary, row.Stable = canary, stable
	row.Weight = s.share(canary)
	if ok && p.Traffic != nil {
		row.Weight = p.Traffic.CanaryWeight
	}
	return row
}

// withStepsUpTo plans the reconcile in with only steps 0..k followed by an
// indefinite pause. ok is false when that plan does not reach the pause (it
// always should: the steps up to k complete in the real reconcile).
func (r *canaryRecorder) withStepsUpTo(in Input, k int) (Plan, bool) {
	ro := *in.Rollout
	c := *ro.Spec.Strategy.Canary
	c.Steps = append(slices.Clip(c.Steps[:k+1]), v1alpha1.CanaryStep{Pause: &v1alpha1.RolloutPause{}})
	ro.Spec.Strategy.Canary = &c
	ro.Status.CurrentStepHash = StepsHash(c.Steps) // the same update, not a change of steps
	in.Rollout = &ro
	p := Canary(in)
	return p, ptrOr(p.Status.CurrentStepIndex, 0) == int32(k+1)
}

// replicasIn is the spec.replicas a plan leaves a ReplicaSet with.
func replicasIn(p Plan, rs *ReplicaSet) int32 {
	if n, ok := p.Replicas[rs.Name]; ok {
		return n
	}
	return rs.Replicas
}

// rowDescription names a step in a timeline, with the size a setCanaryScale
// sets, which the NEW PODS column alone would leave to guess.
func rowDescription(step v1alpha1.CanaryStep) string {
	sc := step.SetCanaryScale
	switch {
	case sc == nil:
		return describeStep(step)
	case sc.MatchTrafficWeight:
		return "setCanaryScale matchTrafficWeight"
	case sc.Replicas != nil:
		return fmt.Sprintf("setCanaryScale replicas %d", *sc.Replicas)
	case sc.Weight != nil:
		return fmt.Sprintf("setCanaryScale weight %d", *sc.Weight)
	}
	return describeStep(step)
}
