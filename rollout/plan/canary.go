package plan

import (
	"fmt"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/traffic"
)

// Canary plans one reconcile of a Rollout with the canary strategy and no traffic
// router: the canary's share is a ratio of replicas.
//
// The rollout is in one of four situations, decided in this order:
//   - steady: the new ReplicaSet is (or becomes, on the first deploy or at 0
//     replicas, where there is nothing to step through) the stable one; it runs
//     all replicas and older ReplicaSets go away;
//   - aborted: status.abort is set; the stable side returns to full size and
//     both Services to the stable ReplicaSet, the canary is scaled down;
//   - promoting: past the last step, promoted full, or a fast rollback; the new
//     ReplicaSet grows to full size, the stable Service switches to it once it can
//     carry the load, and once the switch shows in the EndpointSlices it becomes
//     stable;
//   - stepping: the steps run in order; several may complete in one reconcile.
func Canary(in Input) Plan {
	p := newPlanner(in)
	switch {
	case p.heldByUser():
		p.holdPaused()
	case in.Stable == nil || in.Stable.Hash == in.New.Hash || p.replicaCount() == 0:
		p.steady()
	case p.status.Abort:
		p.aborted()
	case p.status.PromoteFull || p.isFastRollback():
		p.promoting()
	default:
		if p.backgroundAnalysis() {
			p.stepping()
		}
	}
	return p.finish()
}

// planner accumulates one Plan.
type planner struct {
	in     Input
	spec   *v1alpha1.RolloutSpec
	canary *v1alpha1.CanaryStrategy
	// blueGreen is set instead of canary for the blue-green strategy.
	blueGreen *v1alpha1.BlueGreenStrategy
	status    *v1alpha1.RolloutStatus
	// replicas is the desired spec.replicas of every ReplicaSet, by name.
	replicas map[string]int32
	plan     Plan
	// countedOn is traffic a routed step completed with before the router
	// accepted it (see completesWithTraffic); later steps of this plan count on it.
	countedOn *traffic.State
}

func newPlanner(in Input) *planner {
	ro := in.Rollout
	p := &planner{
		in:        in,
		spec:      &ro.Spec,
		canary:    ro.Spec.Strategy.Canary,
		blueGreen: ro.Spec.Strategy.BlueGreen,
		status:    ro.Status.DeepCopy(),
		replicas:  map[string]int32{},
		plan:      Plan{Replicas: map[string]int32{}, ScaleDownAt: map[string]time.Time{}},
	}
	for _, rs := range in.all() {
		p.replicas[rs.Name] = rs.Replicas
	}
	p.resetOnNewRevision()
	if !p.status.Abort && p.status.AbortedAt != nil {
		// A retry (abort cleared) ends the abort: a later one starts its own
		// abort delay and tells its own RolloutAborted event. It starts the
		// update over, so a promote-full that came with it goes too.
		p.status.AbortedAt = nil
		p.dropPromoteFull()
	}
	return p
}

// dropPromoteFull forgets a promote-full asked for while the rollout is aborted
// or together with its retry. An aborted rollout goes on only through a retry,
// which starts over at step 0 with fresh analyses (SPEC §2.5); a promote-full
// kept for later would make that retry skip every step and analysis of the
// version that was just aborted.
func (p *planner) dropPromoteFull() { p.status.PromoteFull = false }

// resetOnNewRevision starts the steps over when the pod template or the steps
// changed since the status was written: a new revision (or a retry after an abort
// with a different template) is a fresh canary.
func (p *planner) resetOnNewRevision() {
	stepHash := StepsHash(p.steps())
	if p.status.CurrentPodHash == p.in.New.Hash && p.status.CurrentStepHash == stepHash {
		return
	}
	podChanged := p.status.CurrentPodHash != p.in.New.Hash
	p.status.CurrentPodHash = p.in.New.Hash
	p.status.CurrentStepHash = stepHash
	if p.canary != nil {
		p.setStepIndex(0)
	}
	p.endPauses()
	if podChanged {
		p.status.Abort = false
		p.status.AbortedAt = nil
		p.status.PromoteFull = false
		p.status.BlueGreen.ScaleUpPreviewCheckPoint = false
	}
}

// steps are the canary steps (none for blue-green).
func (p *planner) steps() []v1alpha1.CanaryStep {
	if p.canary == nil {
		return nil
	}
	return p.canary.Steps
}

// replicaCount is spec.replicas (defaulted).
func (p *planner) replicaCount() int32 {
	if p.spec.Replicas == nil {
		return v1alpha1.DefaultReplicas
	}
	return *p.spec.Replicas
}

// holdPaused changes nothing while the user pause (spec.paused) is on; running
// analyses go on.
func (p *planner) holdPaused() { p.plan.KeepAnalyses = true }

// heldByUser reports whether the user pause (spec.paused) holds this reconcile.
// It holds scaling and stepping, never an abort: an abort by the user, or by an
// analysis that failed during the pause, sends traffic back to stable at once
// whatever the pause state (SPEC §2.5).
func (p *planner) heldByUser() bool {
	if !p.spec.Paused {
		return false
	}
	if p.in.Stable == nil || p.in.Stable.Hash == p.in.New.Hash {
		return true // nothing to abort to
	}
	if !p.status.Abort {
		if which, phase := p.failedAnalysis(); which != "" {
			p.abortFor(which, phase)
		}
	}
	return !p.status.Abort
}

// steady runs the new ReplicaSet at full size as the stable one.
func (p *planner) steady() {
	defer p.retireBaselines()
	n := p.in.New
	if p.status.StableRS != n.Hash && p.status.StableRS != "" {
		why := "the previous stable ReplicaSet no longer exists"
		if p.in.Stable != nil {
			why = "the Rollout runs 0 replicas"
		}
		p.event(false, "RolloutCompleted", fmt.Sprintf("ReplicaSet %s is stable (%s)", n.Name, why))
	}
	p.status.StableRS = n.Hash
	p.setStepIndex(int32(len(p.canary.Steps)))
	p.endPauses()
	p.status.PromoteFull = false
	p.status.Abort = false
	p.status.AbortedAt = nil
	if p.routed() {
		p.setReplicasAtOnce(map[string]int32{n.Name: p.replicaCount()})
		p.setTraffic(0, n, n, false)
	} else {
		p.scaleTo(map[string]int32{n.Name: p.replicaCount()}, 0)
	}
	p.pointServicesAt(n, n)
}

// aborted returns to the stable ReplicaSet at full size.
func (p *planner) aborted() {
	defer p.retireBaselines()
	p.dropPromoteFull()
	if p.routed() {
		p.routedAborted()
		return
	}
	s, n := p.in.Stable, p.in.New
	p.beginAbort(fmt.Sprintf("Rollout aborted: traffic and Services back to stable ReplicaSet %s", s.Name))
	p.setStepIndex(0)
	canary, _ := p.keptWhileServed(0)
	p.scaleTo(map[string]int32{s.Name: p.replicaCount(), n.Name: canary}, 0)
	p.pointServicesAt(s, s)
}

// isFastRollback reports whether the new ReplicaSet is an older revision the
// rollout may return to without steps: it still runs inside its scale-down delay,
// or it is within spec.rollbackWindow revisions of the stable one.
func (p *planner) isFastRollback() bool {
	n, s := p.in.New, p.in.Stable
	if n.Revision >= s.Revision {
		return false
	}
	if n.ScaleDownAt != nil && p.in.Now.Before(*n.ScaleDownAt) && n.Available > 0 {
		return true
	}
	w := p.spec.RollbackWindow
	return w != nil && w.Revisions > 0 && s.Revision-n.Revision <= int64(w.Revisions)
}

// stepping runs the steps from status.currentStepIndex on, completing as many as
// the observed state allows, and goes on to promotion after the last.
func (p *planner) stepping() {
	steps := p.canary.Steps
	for {
		index := p.stepIndex()
		if int(index) >= len(steps) {
			p.promoting()
			return
		}
		if !p.runStep(steps[index]) {
			return
		}
		p.event(false, "RolloutStepCompleted", fmt.Sprintf("Rollout step %s completed (%s)", StepNumber(index, len(steps)), describeStep(steps[index])))
		p.setStepIndex(index + 1)
	}
}

// runStep works on one step and reports whether it is complete.
func (p *planner) runStep(step v1alpha1.CanaryStep) bool {
	switch {
	case step.SetWeight != nil:
		return p.holdWeight(*step.SetWeight)
	case step.Pause != nil:
		p.holdWeight(p.currentWeight())
		return p.pauseStep(step.Pause)
	case step.Analysis != nil:
		p.holdWeight(p.currentWeight())
		return p.analysisStep(p.stepIndex())
	default:
		// setCanaryScale, setHeaderRoute and setMirrorRoute complete at once; with
		// a router the weight hold of the next steps carries their effect (see
		// routedCanarySize and activeRoutes), without one they do nothing.
		return true
	}
}

// analysisStep judges an analysis step by its run's phase (see judgeAnalysis).
// Until its run exists and ends the step waits; a user can promote past it.
func (p *planner) analysisStep(index int32) bool {
	return p.judgeAnalysis(AnalysisNeed{Kind: v1alpha1.AnalysisKindStep, Step: index}, p.stepAnalysisPhase(index), "step")
}

// currentWeight is the weight of the latest setWeight step up to and including
// the current one (0 before the first).
func (p *planner) currentWeight() int32 {
	steps := p.canary.Steps
	for i := min(int(p.stepIndex()), len(steps)-1); i >= 0; i-- {
		if steps[i].SetWeight != nil {
			return *steps[i].SetWeight
		}
	}
	return 0
}

// holdWeight plans the replica split for a weight, with the baseline beside
// the canary, and reports whether the ReplicaSets (and the router) have
// reached it.
func (p *planner) holdWeight(weight int32) bool {
	reached := p.holdCanaryWeight(weight)
	return p.holdBaseline(p.replicas[p.in.New.Name], weight) && reached
}

// holdCanaryWeight plans the canary's and the stable side's share of a weight
// and reports whether they have reached it.
func (p *planner) holdCanaryWeight(weight int32) bool {
	if p.routed() {
		return p.routedHoldWeight(weight)
	}
	s, n := p.in.Stable, p.in.New
	canary, stable, floorSurge := p.weightSplit(weight)
	// At weight 0 the canary Service moves to stable before the canary's last
	// pods go: until the EndpointSlices show that, they stay and the step waits.
	canary, held := p.keptWhileServed(canary)
	p.scaleTo(map[string]int32{n.Name: canary, s.Name: stable}, floorSurge)
	canaryTarget := n
	if n.Available == 0 || canary == 0 || held {
		canaryTarget = s
	}
	p.pointServicesAt(s, canaryTarget)
	return !held && p.sidesReached(n, canary, s, stable)
}

// weightSplit turns a weight into canary and stable replica counts. While a stable
// Service selects the stable ReplicaSet it keeps at least one pod, because a
// Service must never select nothing (SPEC §2.7 rule 1); floorSurge is the one pod
// of surge that floor may need even when maxSurge is 0.
func (p *planner) weightSplit(weight int32) (canary, stable, floorSurge int32) {
	total := p.replicaCount()
	canary = canaryWeightReplicas(total, weight)
	stable = total - canary
	if p.in.StableService != nil && stable < 1 && total > 0 {
		return canary, 1, 1
	}
	return canary, stable, 0
}

// pauseStep handles a pause step and reports whether it is over.
func (p *planner) pauseStep(pause *v1alpha1.RolloutPause) bool {
	d, _, _ := PauseDuration(pause) // 0 for an indefinite pause: wait for promote
	return p.controllerPause(v1alpha1.PauseReasonCanaryPauseStep, "Rollout paused at "+StepName(p.canary.Steps, p.stepIndex()), d, "")
}

// promoting grows the new ReplicaSet to full size, switches the stable Service to
// it once it can carry the load, and makes it stable once the switch shows in the
// EndpointSlices. Only then may the old stable ReplicaSet go (SPEC §2.7 rule 2).
func (p *planner) promoting() {
	defer p.retireBaselines()
	if p.routed() {
		p.routedPromoting()
		return
	}
	s, n := p.in.Stable, p.in.New
	total := p.replicaCount()
	_, unavailable := surgeAndUnavailable(total, p.canary.MaxSurge, p.canary.MaxUnavailable)
	canCarry := n.Available >= max(1, total-unavailable) || total == 0

	// The stable side keeps a pod until the Services have moved and their
	// EndpointSlices show it (see weightSplit): the canary Service may have
	// switched to the canary only just before, the baselineService only now.
	stableFloor := int32(0)
	for _, svc := range []*Service{p.in.StableService, p.in.CanaryService, p.in.BaselineService} {
		if svc != nil && !p.serviceSettledOn(svc, n) {
			stableFloor = min(1, total)
		}
	}
	p.scaleTo(map[string]int32{n.Name: total, s.Name: stableFloor}, stableFloor)
	if !canCarry {
		p.pointServicesAt(s, p.canaryServiceTarget())
		return
	}
	p.pointServicesAt(n, n)
	if p.in.StableService != nil && !p.serviceSettledOn(p.in.StableService, n) {
		// Wait for the EndpointSlices to show the switch before the old side goes.
		p.requeueAfter(endpointCheckInterval)
		return
	}
	p.completePromotion()
}

// completePromotion makes the new ReplicaSet stable.
func (p *planner) completePromotion() {
	s, n := p.in.Stable, p.in.New
	p.status.StableRS = n.Hash
	p.setStepIndex(int32(len(p.canary.Steps)))
	p.status.PromoteFull = false
	p.endPauses()
	p.event(false, "RolloutCompleted", fmt.Sprintf("ReplicaSet %s is now stable", n.Name))
	// The old stable is an "other" from now on; without a traffic router its
	// scale-down delay is 0, so it goes now — unless a Service still sends to
	// it (the canary Service's EndpointSlices may lag behind its switch).
	if !p.stillServed(s) {
		p.replicas[s.Name] = 0
	}
	p.replicas[n.Name] = p.replicaCount()
}

// canaryServiceTarget is the ReplicaSet the canary Service should select: the new
// one once it has an available pod, the stable one until then.
func (p *planner) canaryServiceTarget() *ReplicaSet {
	if p.in.New.Available > 0 {
		return p.in.New
	}
	return p.in.Stable
}

// endpointCheckInterval is how soon to look again at a Service's EndpointSlices
// after switching its selector. EndpointSlice changes also arrive as watch events
// on the ReplicaSet side only indirectly, so the controller polls briefly.
const endpointCheckInterval = 500 * time.Millisecond
