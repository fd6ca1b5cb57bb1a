package plan

import (
	"slices"
	"time"
)

// all returns every ReplicaSet of the input, each once: new, stable, then others.
func (in Input) all() []*ReplicaSet {
	out := []*ReplicaSet{in.New}
	if in.Stable != nil && in.Stable != in.New {
		out = append(out, in.Stable)
	}
	for _, rs := range in.Others {
		if rs != in.New && rs != in.Stable {
			out = append(out, rs)
		}
	}
	return out
}

// scaleTo moves ReplicaSets toward targets without breaking the canary's bounds:
// at most replicas+maxSurge pods in total and at least replicas−maxUnavailable
// available. ReplicaSets without a target are old ones: they go to 0, unless they
// are inside their scale-down delay or may still get traffic (stillServed).
//
// Scale-downs are planned first (old ReplicaSets, then the new one, then the stable
// one), each spending the availability budget only for pods that are available —
// the ReplicaSet controller deletes unavailable pods first. Scale-ups follow
// (stable first, so an abort restores capacity before anything else) within the
// surge room left. minSurge raises maxSurge for the one pod a Service floor may
// need (see weightSplit).
//
// Worked example: replicas 5, maxSurge 1, maxUnavailable 0, stable 5/5 available,
// new 0, target canary 1 / stable 4. Budget for scale-down is 5−5 = 0, so the
// stable stays at 5; surge room is 6−5 = 1, so the canary goes to 1. Next
// reconcile, with the canary available (6 available), the stable may drop to 4.
func (p *planner) scaleTo(targets map[string]int32, minSurge int32) {
	total := p.replicaCount()
	surge, unavailable := surgeAndUnavailable(total, p.canary.MaxSurge, p.canary.MaxUnavailable)
	surge = max(surge, minSurge)
	target := func(rs *ReplicaSet) int32 {
		if t, ok := targets[rs.Name]; ok {
			return t
		}
		if p.stillServed(rs) {
			return rs.Replicas
		}
		if rs.ScaleDownAt != nil && p.in.Now.Before(*rs.ScaleDownAt) {
			p.requeueAfter(rs.ScaleDownAt.Sub(p.in.Now))
			return rs.Replicas
		}
		return 0
	}

	// Availability as this plan leaves it so far: an earlier scaleTo of the same
	// reconcile (several steps can complete in one) may have scaled down already,
	// and its pods must not be spent from the budget a second time. The
	// ReplicaSet controller removes unavailable pods first, so a ReplicaSet at n
	// keeps min(n, available) available pods.
	available := int32(0)
	for _, rs := range p.in.all() {
		available += min(rs.Available, p.replicas[rs.Name])
	}
	budget := max(0, available-(total-unavailable))

	for _, rs := range p.scaleDownOrder() {
		want := target(rs)
		have := p.replicas[rs.Name]
		if have <= want {
			continue
		}
		reduce := have - want
		unready := max(0, have-rs.Available)
		free := min(reduce, unready)
		costly := min(reduce-free, budget)
		budget -= costly
		p.replicas[rs.Name] = have - free - costly
	}

	room := total + surge
	for _, rs := range p.in.all() {
		room -= p.replicas[rs.Name]
	}
	for _, rs := range p.scaleUpOrder() {
		want := target(rs)
		have := p.replicas[rs.Name]
		if have >= want || room <= 0 {
			continue
		}
		grow := min(want-have, room)
		room -= grow
		p.replicas[rs.Name] = have + grow
	}
}

// scaleDownOrder: old ReplicaSets (oldest revision first), then new, then stable.
func (p *planner) scaleDownOrder() []*ReplicaSet {
	others := p.others()
	slices.SortStableFunc(others, func(a, b *ReplicaSet) int { return int(a.Revision - b.Revision) })
	order := append(others, p.in.New)
	if p.in.Stable != nil && p.in.Stable != p.in.New {
		order = append(order, p.in.Stable)
	}
	return order
}

// scaleUpOrder: stable first, then new. Old ReplicaSets never grow.
func (p *planner) scaleUpOrder() []*ReplicaSet {
	if p.in.Stable != nil && p.in.Stable != p.in.New {
		return []*ReplicaSet{p.in.Stable, p.in.New}
	}
	return []*ReplicaSet{p.in.New}
}

func (p *planner) others() []*ReplicaSet {
	var out []*ReplicaSet
	for _, rs := range p.in.all() {
		if rs != p.in.New && rs != p.in.Stable {
			out = append(out, rs)
		}
	}
	return out
}

// reached reports whether a ReplicaSet runs want pods, all available, as observed.
// The ReplicaSet controller reports a scale-down's observedGeneration while still
// counting the pods it is deleting, and the next status (pods gone) follows within
// milliseconds: a step waits for it, so the status that records the step also
// shows the final counts and, after the last step, the promotion is Healthy at
// once instead of one write later.
func (p *planner) reached(rs *ReplicaSet, want int32) bool {
	return rs.Synced && rs.Replicas == want && p.replicas[rs.Name] == want && rs.Pods <= want && rs.Available >= want
}

// sidesReached reports whether a step's sizes are reached: the canary and the
// stable ReplicaSets run their counts, and the old ones are gone.
func (p *planner) sidesReached(n *ReplicaSet, canary int32, s *ReplicaSet, stable int32) bool {
	return p.reached(n, canary) && p.reached(s, stable) && p.othersGone()
}

// othersGone reports whether every old ReplicaSet outside its scale-down delay is
// at 0 pods.
func (p *planner) othersGone() bool {
	for _, rs := range p.others() {
		inDelay := rs.ScaleDownAt != nil && p.in.Now.Before(*rs.ScaleDownAt)
		if !inDelay && (rs.Replicas > 0 || rs.Pods > 0 || p.replicas[rs.Name] > 0) {
			return false
		}
	}
	return true
}

// requeueAfter keeps the earliest requested recheck.
func (p *planner) requeueAfter(d time.Duration) {
	if d <= 0 {
		d = time.Millisecond
	}
	if p.plan.RequeueAfter == 0 || d < p.plan.RequeueAfter {
		p.plan.RequeueAfter = d
	}
}
