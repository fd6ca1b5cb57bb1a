package plan

import (
	"fmt"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// BlueGreen plans one reconcile of a Rollout with the blue-green strategy.
//
// The new ReplicaSet comes up beside the active one (at previewReplicaCount, or
// full size), behind the preview Service. Then the rollout pauses for promotion
// (autoPromotionEnabled false, or autoPromotionSeconds set), the new side grows to
// full size, the active Service switches to it in one step, and once the switch
// shows in the EndpointSlices the new ReplicaSet is stable and the old one keeps
// running for scaleDownDelaySeconds, ready for a fast rollback.
func BlueGreen(in Input) Plan {
	p := newPlanner(in)
	switch {
	case p.heldByUser():
		p.holdPaused()
	case in.Stable == nil || in.Stable.Hash == in.New.Hash || p.replicaCount() == 0:
		p.blueGreenSteady()
	case p.status.Abort:
		p.blueGreenAborted()
	case p.status.PromoteFull || p.status.BlueGreen.ScaleUpPreviewCheckPoint || p.isFastRollback():
		p.blueGreenPromote()
	default:
		p.blueGreenPreview()
	}
	return p.finish()
}

// blueGreenSteady runs the new ReplicaSet at full size behind both Services.
func (p *planner) blueGreenSteady() {
	n := p.in.New
	p.status.StableRS = n.Hash
	p.clearUpdateState()
	p.setReplicasAtOnce(map[string]int32{n.Name: p.replicaCount()})
	p.pointBlueGreenServices(n, n)
}

// blueGreenAborted keeps the active Service on the stable ReplicaSet, points the
// preview back at it, and scales the new ReplicaSet down after the abort delay.
func (p *planner) blueGreenAborted() {
	s, n := p.in.Stable, p.in.New
	p.dropPromoteFull()
	p.beginAbort(fmt.Sprintf("Rollout aborted: the active Service stays on ReplicaSet %s", s.Name))
	p.status.BlueGreen.ScaleUpPreviewCheckPoint = false
	// The preview pods go abortScaleDownDelaySeconds after the abort (0 keeps
	// them); the deadline derives from status.abortedAt, so it survives restarts.
	delay := time.Duration(ptrOr(p.blueGreen.AbortScaleDownDelaySeconds, v1alpha1.DefaultAbortScaleDownDelaySeconds)) * time.Second
	p.setReplicasAtOnce(map[string]int32{s.Name: p.replicaCount(), n.Name: p.afterAbortDelay(n, delay)})
	p.pointBlueGreenServices(s, s)
}

// blueGreenPreview brings the new ReplicaSet up behind the preview Service and
// pauses for promotion; it promotes when the pause is over.
func (p *planner) blueGreenPreview() {
	s, n := p.in.Stable, p.in.New
	preview := p.replicaCount()
	if c := p.blueGreen.PreviewReplicaCount; c != nil {
		preview = min(*c, preview)
	}
	p.setReplicasAtOnce(map[string]int32{s.Name: p.replicaCount(), n.Name: preview})
	p.pointBlueGreenServices(s, n)
	reached := p.reached(n, preview)
	// The pre-promotion run starts once the preview is at full size. Once it
	// exists it is judged (and kept) even while the preview dips below that — a
	// pod restarting, someone scaling the ReplicaSet — instead of being
	// terminated and started again; only the promotion waits for full size.
	if pre := p.blueGreen.PrePromotionAnalysis; pre != nil && (reached || p.in.PrePromotionAnalysis != "") &&
		!p.judgeAnalysis(AnalysisNeed{Kind: v1alpha1.AnalysisKindPrePromotion}, p.in.PrePromotionAnalysis, "pre-promotion") {
		return
	}
	if !reached {
		return
	}
	if p.blueGreenPauseOver() {
		// Recorded, so the next reconciles go on promoting while the preview grows.
		p.status.BlueGreen.ScaleUpPreviewCheckPoint = true
		p.blueGreenPromote()
	}
}

// blueGreenPauseOver handles the promotion pause and reports whether it is over:
// there is none (auto-promotion without delay), it was promoted (the pause
// condition cleared), or autoPromotionSeconds have passed since it began.
func (p *planner) blueGreenPauseOver() bool {
	bg := p.blueGreen
	autoAfter := time.Duration(bg.AutoPromotionSeconds) * time.Second
	pauses := (bg.AutoPromotionEnabled != nil && !*bg.AutoPromotionEnabled) || autoAfter > 0
	if !pauses {
		return true
	}
	return p.controllerPause(v1alpha1.PauseReasonBlueGreenPause,
		"Rollout paused for promotion: the new ReplicaSet is ready behind the preview Service",
		autoAfter, fmt.Sprintf("Rollout promoted automatically after %s", autoAfter))
}

// blueGreenPromote grows the new ReplicaSet to full size, switches the active
// Service once every pod is available, and makes it stable once the switch shows
// in the EndpointSlices. The old active ReplicaSet then keeps running for
// scaleDownDelaySeconds.
func (p *planner) blueGreenPromote() {
	s, n := p.in.Stable, p.in.New
	total := p.replicaCount()
	p.setReplicasAtOnce(map[string]int32{s.Name: p.replicaCount(), n.Name: total})
	if !p.reached(n, total) {
		p.pointBlueGreenServices(s, n)
		return
	}
	p.pointBlueGreenServices(n, n)
	if active := p.in.ActiveService; active != nil && !p.serviceSettledOn(active, n) {
		p.requeueAfter(endpointCheckInterval)
		return
	}
	if p.blueGreen.PostPromotionAnalysis != nil && !p.status.PromoteFull && !p.isFastRollback() && !p.judgeAnalysis(AnalysisNeed{Kind: v1alpha1.AnalysisKindPostPromotion}, p.in.PostPromotionAnalysis, "post-promotion") {
		return
	}
	p.status.StableRS = n.Hash
	p.clearUpdateState()
	p.event(false, "RolloutCompleted", fmt.Sprintf("ReplicaSet %s is now active", n.Name))
	delay := time.Duration(ptrOr(p.blueGreen.ScaleDownDelaySeconds, v1alpha1.DefaultScaleDownDelaySeconds)) * time.Second
	if delay > 0 {
		p.plan.ScaleDownAt[s.Name] = p.in.Now.Add(delay)
		p.requeueAfter(delay)
	} else {
		p.replicas[s.Name] = 0
	}
}

// clearUpdateState forgets the user actions and pauses of a finished update.
func (p *planner) clearUpdateState() {
	p.endPauses()
	p.status.PromoteFull = false
	p.status.Abort = false
	p.status.AbortedAt = nil
	p.status.BlueGreen.ScaleUpPreviewCheckPoint = false
}

// setReplicasAtOnce sets the targets at once, with no surge bound: blue-green
// runs both sides at size, and a routed canary's router (not a replica ratio)
// bounds what users see. ReplicaSets without a target go to 0 unless
// they are inside their scale-down delay or may still get traffic (stillServed).
func (p *planner) setReplicasAtOnce(targets map[string]int32) {
	for _, rs := range p.in.all() {
		if t, ok := targets[rs.Name]; ok {
			p.replicas[rs.Name] = t
			continue
		}
		if p.stillServed(rs) {
			continue // its pods go once no Service or router sends it traffic
		}
		deadline := rs.ScaleDownAt
		if at, ok := p.plan.ScaleDownAt[rs.Name]; ok {
			deadline = &at
		}
		if deadline != nil && p.in.Now.Before(*deadline) {
			p.requeueAfter(deadline.Sub(p.in.Now))
			continue
		}
		p.replicas[rs.Name] = 0
	}
}

// pointBlueGreenServices asks for the active and preview Services to select the
// given ReplicaSets, never one without an available pod.
func (p *planner) pointBlueGreenServices(active, preview *ReplicaSet) {
	if svc := p.in.ActiveService; svc != nil && p.maySelect(svc, active) {
		p.plan.ActiveServiceHash = active.Hash
	}
	if svc := p.in.PreviewService; svc != nil && p.maySelect(svc, preview) {
		p.plan.PreviewServiceHash = preview.Hash
	}
	p.status.BlueGreen.ActiveSelector = pick(p.plan.ActiveServiceHash, p.status.BlueGreen.ActiveSelector)
	p.status.BlueGreen.PreviewSelector = pick(p.plan.PreviewServiceHash, p.status.BlueGreen.PreviewSelector)
}

func pick(v, fallback string) string {
	if v != "" {
		return v
	}
	return fallback
}

func ptrOr(v *int32, def int32) int32 {
	if v == nil {
		return def
	}
	return *v
}
