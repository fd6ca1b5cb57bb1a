package plan

import (
	"fmt"
	"hash/fnv"

	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/rand"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// A baseline (spec.strategy.canary.baseline) is a ReplicaSet made from the
// stable template but with a hash of its own, started beside the canary and
// sized like it, so an analysis can compare two sets of pods that started at
// the same time and take the same share of traffic: one of each version. It
// exists only while the canary steps (SPEC §9): it goes at promotion, at abort,
// when the canary reaches 100% or more than half of the traffic, and when a new
// canary supersedes the one it was made for.
//
// Safety is the same as for the canary (SPEC §2.7): the router gives it weight
// only while it has available pods and never more than the canary; its pods go
// only once the router no longer sends to it and the baselineService has left
// it.

// maxBaselineWeight is the most a baseline (and so its canary) may carry:
// canary w + baseline w + stable (100 − 2w) must sum to 100.
const maxBaselineWeight = 50

// BaselineFits reports whether a baseline runs beside a canary at a step's
// weight: not at 0 or 100, and with a router (routed) not above 50, where a
// baseline of the canary's weight leaves no room (canary w + baseline w ≤ 100).
func BaselineFits(routed bool, weight int32) bool {
	return weight > 0 && weight < 100 && (!routed || weight <= maxBaselineWeight)
}

// BaselineHash names the baseline of a canary: a baseline belongs to one pair
// of stable and canary ReplicaSets, so a new canary gets a new baseline whose
// pods start with it, while the old one is removed.
func BaselineHash(stableHash, canaryHash string) string {
	h := fnv.New32a()
	h.Write([]byte("baseline/" + stableHash + "/" + canaryHash))
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// BaselinePlan is what becomes of the baseline ReplicaSets.
type BaselinePlan struct {
	// Hash names the baseline the canary needs now ("" when it needs none); the
	// controller creates it from the stable template at Replicas when missing.
	Hash     string
	Replicas int32
	// Remove names the baseline ReplicaSets to delete now: those no longer
	// wanted that neither the router nor a Service sends to.
	Remove []string
	// ServiceHash is what the baselineService must select ("" = leave it).
	ServiceHash string
}

// baselineHash is the hash of the baseline the current canary would have.
func (p *planner) baselineHash() string {
	if p.in.Stable == nil {
		return ""
	}
	return BaselineHash(p.in.Stable.Hash, p.in.New.Hash)
}

// currentBaseline is the observed baseline of the current canary, or nil.
func (p *planner) currentBaseline() *ReplicaSet {
	hash := p.baselineHash()
	for _, b := range p.in.Baselines {
		if b.Hash == hash {
			return b
		}
	}
	return nil
}

// baselineSize is the baseline's pod count beside a canary of canarySize pods.
func (p *planner) baselineSize(canarySize int32) int32 {
	r := p.canary.Baseline.Replicas
	if canarySize == 0 || r == nil || r.Type == intstr.String && r.StrVal == v1alpha1.BaselineMatchCanary {
		return canarySize
	}
	total := p.replicaCount()
	size, err := intstr.GetScaledValueFromIntOrPercent(r, int(total), true)
	if err != nil {
		return canarySize // the API server's validation keeps this from happening
	}
	return min(int32(size), total)
}

// holdBaseline sizes the baseline beside a canary of canarySize pods at a
// step's weight and reports whether it is ready for the step to complete: its
// pods available, its weight taken by the router and its Service settled on
// it. Without canary.baseline there is nothing to wait for.
func (p *planner) holdBaseline(canarySize, weight int32) bool {
	if p.canary.Baseline == nil {
		p.retireBaselines()
		return true
	}
	size := p.baselineSize(canarySize)
	if size == 0 || !BaselineFits(p.routed(), weight) || p.in.Stable == nil {
		// No room or no need for one: a baseline sized at 0 is no baseline
		// (it must not keep a weight it has no pods for).
		p.retireBaselines()
		return true
	}
	b := p.currentBaseline()
	want := &BaselinePlan{Hash: p.baselineHash(), Replicas: size}
	p.plan.Baseline = want
	if b == nil {
		// The controller creates it at its size; until its pods are available
		// it gets neither traffic nor the baselineService.
		p.removeBaselinesExcept("")
		return false
	}
	target := int32(0) // the weight the baseline gets once it can take it
	if p.routed() {
		target = min(weight, maxBaselineWeight)
	}
	if sent := p.routeBaseline(b, size, target); sent < p.acceptedBaselineWeight(b) {
		// Pods the router still sends to stay until it takes the lower weight.
		want.Replicas = max(size, b.Replicas)
	}
	p.removeBaselinesExcept(b.Hash)
	want.ServiceHash = p.baselineServiceTarget(b)
	ready := b.Synced && b.Replicas == size && b.Pods <= size && b.Available >= size
	ready = ready && p.appliedBaselineWeight(b) == target
	if svc := p.in.BaselineService; svc != nil {
		ready = ready && p.serviceSettledOn(svc, b)
	}
	return ready
}

// routeBaseline gives the baseline its share in the traffic this plan sends,
// and returns it: the canary's weight once the baseline has its pods, what the
// router carried before while it grows, nothing while it has none. It never
// exceeds the canary's weight or what the canary leaves.
func (p *planner) routeBaseline(b *ReplicaSet, size, target int32) int32 {
	t := p.plan.Traffic
	if t == nil || !p.routed() {
		return 0
	}
	weight := int32(0)
	if b.Available > 0 {
		weight = min(p.acceptedBaselineWeight(b), target)
		if b.Available >= size {
			weight = target
		}
	}
	weight = min(weight, t.CanaryWeight, 100-t.CanaryWeight)
	if weight > 0 {
		t.BaselineWeight, t.BaselineHash = weight, b.Hash
	}
	return weight
}

// retireBaselines removes every baseline: the rollout is not stepping (steady,
// promoting, aborted) or the step leaves no room for one. The traffic of this
// plan gives them nothing; each goes once nothing sends to it.
func (p *planner) retireBaselines() {
	if p.canary == nil || p.canary.Baseline == nil && len(p.in.Baselines) == 0 && p.in.BaselineService == nil {
		return
	}
	p.plan.Baseline = &BaselinePlan{}
	if t := p.plan.Traffic; t != nil {
		t.BaselineWeight, t.BaselineHash = 0, ""
	}
	p.removeBaselinesExcept("")
}

// removeBaselinesExcept lists for removal every baseline but keep that no
// traffic and no Service reaches any more, and points the baselineService at
// the stable side (the caller points it at keep).
func (p *planner) removeBaselinesExcept(keep string) {
	want := p.plan.Baseline
	want.ServiceHash = p.baselineServiceTarget(nil)
	for _, b := range p.in.Baselines {
		if b.Hash == keep {
			continue
		}
		if p.acceptedBaselineWeight(b) > 0 || p.servedByServices(b) {
			p.requeueAfter(endpointCheckInterval)
			continue
		}
		want.Remove = append(want.Remove, b.Name)
	}
}

// baselineServiceTarget is the hash the baselineService selects: the baseline
// b once it has an available pod, else where the stable Service goes (SPEC
// §2.7 rule 1: never a Service selecting nothing).
func (p *planner) baselineServiceTarget(b *ReplicaSet) string {
	svc := p.in.BaselineService
	if svc == nil {
		return ""
	}
	if b != nil && p.maySelect(svc, b) {
		return b.Hash
	}
	// Without a baseline it follows the stable Service, so at promotion both
	// move together and the old stable keeps its pods until both settled.
	stable := p.plan.StableServiceHash
	if stable == "" {
		stable = p.status.StableRS
	}
	if s := p.withHash(stable); s != nil && p.maySelect(svc, s) {
		return s.Hash
	}
	return ""
}

// acceptedBaselineWeight is the weight the router last accepted for b.
func (p *planner) acceptedBaselineWeight(b *ReplicaSet) int32 {
	w := p.in.Rollout.Status.Canary.Weights
	if w == nil || w.Baseline == nil || w.Verified == nil || !*w.Verified || w.Baseline.PodTemplateHash != b.Hash {
		return 0
	}
	return w.Baseline.Weight
}

// appliedBaselineWeight is the weight the router carries for b for this plan:
// what an earlier step of this reconcile counted on, else what it accepted.
func (p *planner) appliedBaselineWeight(b *ReplicaSet) int32 {
	if t := p.countedOn; t != nil {
		if t.BaselineHash == b.Hash {
			return t.BaselineWeight
		}
		return 0
	}
	return p.acceptedBaselineWeight(b)
}
