package plan

import (
	"fmt"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/traffic"
)

// A routed canary (spec.strategy.canary.trafficRouting) splits traffic by weight
// in a router, not by replica ratio. Its ReplicaSets are sized for the traffic:
// the canary gets ceil(replicas × weight / 100) pods, the stable side stays at
// full size (or its share, with dynamicStableScale). The weight the router
// accepted last is status.canary.weights: a step completes only once that is the
// step's weight, and traffic only moves toward pods that are available.

// routed reports whether the canary has a traffic router.
func (p *planner) routed() bool { return p.canary != nil && p.canary.TrafficRouting != nil }

// applied is the traffic the router carries for this plan: the last it accepted
// (see accepted), or what an earlier step of this reconcile counted on (see
// routedHoldWeight).
func (p *planner) applied() (weight int32, stableHash string) {
	if t := p.countedOn; t != nil {
		return t.CanaryWeight, t.StableHash
	}
	w, stable, _ := p.accepted()
	return w, stable
}

// accepted is the traffic the router last accepted (status.canary.weights), or
// zero weight on no ReplicaSet when none was recorded.
func (p *planner) accepted() (weight int32, stableHash, canaryHash string) {
	w := p.in.Rollout.Status.Canary.Weights
	if w == nil || w.Verified == nil || !*w.Verified {
		return 0, "", ""
	}
	return w.Canary.Weight, w.Stable.PodTemplateHash, w.Canary.PodTemplateHash
}

// carriesTraffic reports whether the router, as it last accepted, sends a share
// of the traffic to rs. Such a ReplicaSet keeps its pods until the router has
// taken new weights (SPEC §2.7 rule 1): the ReplicaSet writes of a reconcile
// come before its router write, which may fail or lag.
func (p *planner) carriesTraffic(rs *ReplicaSet) bool {
	if !p.routed() {
		return false
	}
	weight, stable, canary := p.accepted()
	return weight > 0 && rs.Hash == canary || weight < 100 && rs.Hash == stable
}

// setTraffic asks the router for a weight and records the managed routes the
// completed steps set. Routes exist only while stepping. Neither a weight nor a
// route ever points at a canary without available pods (SPEC §2.7 rule 1),
// whatever the router carried before: a superseded canary's weight, a rollback
// target without pods, a canary that lost its pods.
func (p *planner) setTraffic(weight int32, stable, canary *ReplicaSet, withRoutes bool) {
	canaryHash := canary.Hash
	if canary.Available == 0 {
		kept := int32(0)
		// The canary side stays on the ReplicaSet it was on while its weight goes
		// to 0: a router moves a DestinationRule subset before the weights, so
		// moving the subset now would send the old weight to pods that do not
		// exist until its second write (or for good, if that write fails).
		if _, _, was := p.accepted(); was != "" {
			canaryHash = was
			// With dynamicStableScale that side (a superseded canary with pods)
			// keeps what the stable side cannot carry yet.
			if rs := p.withHash(was); rs != nil && rs.Available > 0 {
				kept = min(weight, p.stableShortfall(stable))
			}
		}
		weight, withRoutes = kept, false
	}
	t := &traffic.State{CanaryWeight: weight, StableHash: stable.Hash, CanaryHash: canaryHash}
	if withRoutes {
		t.HeaderRoutes, t.MirrorRoutes = p.activeRoutes()
	}
	p.plan.Traffic = t
}

// withHash is the ReplicaSet of the input with that pod-template hash, or nil.
func (p *planner) withHash(hash string) *ReplicaSet {
	for _, rs := range p.in.all() {
		if rs.Hash == hash {
			return rs
		}
	}
	return nil
}

// trafficSettled reports whether the router carries exactly weight, with the
// stable subset on stableHash.
func (p *planner) trafficSettled(weight int32, stableHash string) bool {
	w, h := p.applied()
	return w == weight && (h == stableHash || h == "")
}

// routedHoldWeight sizes both sides for a weight and moves traffic once the
// canary can take it. A lower weight moves traffic first and shrinks the canary
// after; a higher one grows the canary first.
func (p *planner) routedHoldWeight(weight int32) bool {
	s, n := p.in.Stable, p.in.New
	applied, _ := p.applied()
	canary := p.routedCanarySize(max(weight, applied))
	if canary == 0 && applied > 0 {
		// A setCanaryScale of 0 (steps changed under a weight the router still
		// carries) takes the pods only once the traffic has left them.
		canary = n.Replicas
	}
	stable := p.routedStableSize(min(weight, applied))
	p.setReplicasAtOnce(map[string]int32{n.Name: canary, s.Name: stable})

	next := applied
	if weight < applied || n.Available >= p.routedCanarySize(weight) && (weight == 0 || n.Available > 0) {
		next = weight
	}
	// Traffic comes back to a scaled-down stable side only as fast as its pods do.
	next = max(next, min(applied, p.stableShortfall(s)))
	p.setTraffic(next, s, n, true)
	canaryTarget := n
	if n.Available == 0 {
		canaryTarget = s
	}
	p.pointServicesAt(s, canaryTarget)
	if !p.trafficSettled(weight, s.Hash) {
		return p.completesWithTraffic(weight, s, n, canary, stable)
	}
	// With the traffic moved, the sides shrink to the step's own sizes. A canary
	// sized at 0 first has the canary Service moved to stable, and keeps its pods
	// until the Service's EndpointSlices have left them.
	canary, stable = p.routedCanarySize(weight), p.routedStableSize(weight)
	if canary == 0 {
		p.pointServicesAt(s, s)
	}
	canary, held := p.keptWhileServed(canary)
	p.setReplicasAtOnce(map[string]int32{n.Name: canary, s.Name: stable})
	return !held && p.sidesReached(n, canary, s, stable)
}

// completesWithTraffic decides a step whose weight the router does not carry yet
// but this reconcile asks for. When no side has to shrink for it and the pods are
// there, the step completes now: the status that records it is written only after
// the router accepted the weight (a router error ends the reconcile before that
// write), and the steps after it in this reconcile count on that weight. This
// saves a status write per step. A step that shrinks a side waits for the router
// as before, so pods never go before their traffic.
func (p *planner) completesWithTraffic(weight int32, s, n *ReplicaSet, canary, stable int32) bool {
	t := p.plan.Traffic
	if t == nil || t.CanaryWeight != weight || t.StableHash != s.Hash {
		return false
	}
	if canary != p.routedCanarySize(weight) || stable != p.routedStableSize(weight) {
		return false
	}
	if !p.sidesReached(n, canary, s, stable) {
		return false
	}
	p.countedOn = t
	return true
}

// routedCanarySize is the canary's pod count at a weight: the latest
// setCanaryScale of the completed steps decides when there is one, else the
// weight does; minPodsPerReplicaSet raises any non-zero share.
func (p *planner) routedCanarySize(weight int32) int32 {
	total := p.replicaCount()
	size := p.atLeastMinPods(routedCanaryReplicas(total, weight), weight > 0)
	if scale := p.canaryScale(); scale != nil && !scale.MatchTrafficWeight {
		switch {
		case scale.Replicas != nil:
			size = min(*scale.Replicas, total)
		case scale.Weight != nil:
			size = p.atLeastMinPods(routedCanaryReplicas(total, *scale.Weight), *scale.Weight > 0)
		}
	}
	return p.keptForRoutes(size)
}

// keptForRoutes keeps one canary pod while the completed steps leave a header
// or mirror route toward a canary that has pods: a later step sizing the canary
// at 0 (setWeight 0, setCanaryScale replicas 0) would otherwise take the pods
// away in the same reconcile whose router write, which may fail or lag, only
// then removes the route (SPEC §2.7 rule 1). A canary without pods never gets
// a route (setTraffic), so routes alone do not start one.
func (p *planner) keptForRoutes(size int32) int32 {
	if size > 0 || p.in.New.Replicas == 0 {
		return size
	}
	if headers, mirrors := p.activeRoutes(); len(headers)+len(mirrors) == 0 {
		return size
	}
	return min(1, p.replicaCount())
}

// routedStableSize is the stable side's pod count while the canary has weight:
// all replicas, or with dynamicStableScale its share of them — but at least one
// pod while a stable Service selects them, which must never select nothing
// (SPEC §2.7 rule 1), even at weight 100.
func (p *planner) routedStableSize(canaryWeight int32) int32 {
	total := p.replicaCount()
	if !p.canary.DynamicStableScale {
		return total
	}
	size := p.atLeastMinPods(routedCanaryReplicas(total, 100-canaryWeight), canaryWeight < 100)
	if p.in.StableService != nil {
		size = max(size, min(1, total))
	}
	return size
}

// stableShortfall is the share of traffic, in percent, that the stable
// side's available pods cannot carry with dynamicStableScale (0 without it):
// the canary must keep at least that much. A stable pod carries 100/replicas.
func (p *planner) stableShortfall(s *ReplicaSet) int32 {
	total := p.replicaCount()
	if !p.canary.DynamicStableScale || total <= 0 {
		return 0
	}
	// Pods this plan scales away carry nothing after it.
	available := min(s.Available, p.replicas[s.Name])
	return max(0, 100-100*available/total)
}

func (p *planner) atLeastMinPods(size int32, hasShare bool) int32 {
	if m := p.canary.MinPodsPerReplicaSet; m != nil && hasShare {
		return max(size, min(*m, p.replicaCount()))
	}
	return size
}

// canaryScale is the setCanaryScale in force: the latest among the completed
// steps (and the current one).
func (p *planner) canaryScale() *v1alpha1.SetCanaryScale {
	steps := p.canary.Steps
	for i := min(int(p.stepIndex()), len(steps)-1); i >= 0; i-- {
		if s := steps[i].SetCanaryScale; s != nil {
			return s
		}
	}
	return nil
}

// activeRoutes are the header and mirror routes the completed steps set, in
// managedRoutes order; a step with no match removes its route.
func (p *planner) activeRoutes() (headers []v1alpha1.SetHeaderRoute, mirrors []v1alpha1.SetMirrorRoute) {
	header := map[string]v1alpha1.SetHeaderRoute{}
	mirror := map[string]v1alpha1.SetMirrorRoute{}
	for _, step := range p.canary.Steps[:min(int(p.stepIndex()), len(p.canary.Steps))] {
		if h := step.SetHeaderRoute; h != nil {
			delete(header, h.Name)
			if len(h.Match) > 0 {
				header[h.Name] = *h
			}
		}
		if m := step.SetMirrorRoute; m != nil {
			delete(mirror, m.Name)
			if len(m.Match) > 0 {
				mirror[m.Name] = *m
			}
		}
	}
	for _, r := range p.canary.TrafficRouting.ManagedRoutes {
		if h, ok := header[r.Name]; ok {
			headers = append(headers, h)
		}
		if m, ok := mirror[r.Name]; ok {
			mirrors = append(mirrors, m)
		}
	}
	return headers, mirrors
}

// routedPromoting brings the new ReplicaSet to full size, then moves the stable
// side (Service selector, or stable subset) onto it, and once that shows in the
// EndpointSlices returns the weight to 0 — both sides are the new pods by then.
// The old stable keeps running for scaleDownDelaySeconds.
func (p *planner) routedPromoting() {
	s, n := p.in.Stable, p.in.New
	total := p.replicaCount()
	applied, _ := p.applied()
	p.setReplicasAtOnce(map[string]int32{n.Name: total, s.Name: p.routedStableSize(applied)})
	if !p.reached(n, total) {
		p.setTraffic(applied, s, n, false)
		p.pointServicesAt(s, p.canaryServiceTarget())
		return
	}
	p.pointServicesAt(n, n)
	if svc := p.in.StableService; svc != nil && !p.serviceSettledOn(svc, n) {
		p.setTraffic(applied, s, n, false)
		p.requeueAfter(endpointCheckInterval)
		return
	}
	p.setTraffic(0, n, n, false)
	delay := time.Duration(ptrOr(p.canary.ScaleDownDelaySeconds, v1alpha1.DefaultScaleDownDelaySeconds)) * time.Second
	// Without a scale-down delay the old side goes at promotion, so only once the
	// router carries nothing to it. With one, nothing goes away now: the promotion
	// is recorded with the traffic reset, in a status written only after the
	// router took it (a router error stops the reconcile before that write).
	if delay <= 0 && !p.trafficSettled(0, n.Hash) {
		return
	}
	p.completePromotion()
	if delay > 0 {
		p.plan.ScaleDownAt[s.Name] = p.in.Now.Add(delay)
		p.replicas[s.Name] = s.Replicas
		p.requeueAfter(delay)
	}
}

// routedAborted sends all traffic back to stable at once; the canary keeps its
// pods for abortScaleDownDelaySeconds (0 keeps them), so a retry is fast, and
// in any case until the router carries weight 0 (SPEC §2.7 rule 2).
func (p *planner) routedAborted() {
	s, n := p.in.Stable, p.in.New
	p.beginAbort(fmt.Sprintf("Rollout aborted: traffic back to stable ReplicaSet %s", s.Name))
	p.setStepIndex(0)
	// The stable side returns to full size in this plan; the traffic it can
	// take back now is what its available pods carry (stableShortfall).
	p.replicas[s.Name] = p.replicaCount()
	if applied, _ := p.applied(); p.stableShortfall(s) > 0 && applied > 0 {
		// dynamicStableScale left the stable side small: the canary keeps the
		// share the stable pods cannot carry yet, and gives it up as they come.
		p.setTraffic(min(applied, p.stableShortfall(s)), s, n, false)
	} else {
		p.setTraffic(0, s, s, false)
	}
	delay := time.Duration(ptrOr(p.canary.AbortScaleDownDelaySeconds, v1alpha1.DefaultAbortScaleDownDelaySeconds)) * time.Second
	canary := p.afterAbortDelay(n, delay)
	if !p.trafficSettled(0, s.Hash) {
		canary = n.Replicas
	}
	// A Service that sent to the canary (a promotion that had moved the
	// stable Service, then this abort) may still list its pods: the abort
	// delay can have passed already, counted from an earlier abort.
	canary, _ = p.keptWhileServed(canary)
	p.setReplicasAtOnce(map[string]int32{s.Name: p.replicaCount(), n.Name: canary})
	p.pointServicesAt(s, s)
}

// afterAbortDelay is the size of an aborted ReplicaSet: unchanged until delay
// after status.abortedAt, then 0. A delay of 0 keeps it.
func (p *planner) afterAbortDelay(rs *ReplicaSet, delay time.Duration) int32 {
	if delay <= 0 {
		return rs.Replicas
	}
	if end := p.status.AbortedAt.Add(delay); p.in.Now.Before(end) {
		p.requeueAfter(end.Sub(p.in.Now))
		return rs.Replicas
	}
	return 0
}
