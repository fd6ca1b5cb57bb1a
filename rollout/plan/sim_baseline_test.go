package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The world's baseline (canary.baseline, SPEC §9): ReplicaSets of the stable
// template with hashes of their own, created, sized and deleted as the plans
// say, and a "baseline" Service role when canary.baselineService is set. The
// checks below hold the baseline to SPEC §2.7 as a third side, beside the
// generic ones of sim_test.go that already count it (weights summing to 100,
// no weight or Service toward a ReplicaSet without pods).
//
// Baseline pods are not counted against maxSurge: the baseline is extra
// capacity the user asked for, not part of the replicas the canary moves.

// withWorldBaseline turns the baseline on in a canary strategy (replicas nil =
// matchCanary) and, with service, names a baselineService.
func withWorldBaseline(c *v1alpha1.CanaryStrategy, replicas *intstr.IntOrString, service bool) *v1alpha1.CanaryStrategy {
	c.Baseline = &v1alpha1.CanaryBaseline{Replicas: replicas}
	if service {
		c.BaselineService = "baseline"
	}
	return c
}

// allReplicaSets are the revisions and the baselines, by hash.
func (w *world) allReplicaSets() map[string]*ReplicaSet {
	all := make(map[string]*ReplicaSet, len(w.rs)+len(w.baselines))
	for h, rs := range w.rs {
		all[h] = rs
	}
	for h, rs := range w.baselines {
		all[h] = rs
	}
	return all
}

func (w *world) baselineHashes() []string {
	var hs []string
	for h := range w.baselines {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	return hs
}

// inputBaselines adds what the controller observes of the baselines: the
// baseline ReplicaSets apart from the revisions, and the baselineService while
// the spec names it.
func (w *world) inputBaselines(in *Input) {
	c := w.ro.Spec.Strategy.Canary
	if c == nil {
		return
	}
	for _, h := range w.baselineHashes() {
		in.Baselines = append(in.Baselines, w.baselines[h])
	}
	if c.BaselineService != "" {
		in.BaselineService = w.services["baseline"]
	}
}

// baselineServiceHash is what a plan wants the baselineService to select.
func baselineServiceHash(p Plan) string {
	if p.Baseline == nil {
		return ""
	}
	return p.Baseline.ServiceHash
}

// applyBaseline carries out a plan's baseline as the controller does: creates
// the wanted baseline from the stable ReplicaSet (its pods come like any
// others') or scales it, and deletes the ones listed (their pods vanish at
// once). The baselineService is switched with the other Services.
func (w *world) applyBaseline(b *BaselinePlan) {
	w.t.Helper()
	if b == nil {
		return
	}
	if b.Hash != "" {
		if _, revision := w.rs[b.Hash]; revision {
			w.t.Fatalf("%s: the baseline's hash %s is a revision's (%s)", w.now.Format(time.TimeOnly), b.Hash, w)
		}
		switch rs := w.baselines[b.Hash]; {
		case rs != nil:
			rs.Replicas = b.Replicas
			rs.Available = min(rs.Available, b.Replicas)
		case b.Replicas > 0 && w.rs[w.ro.Status.StableRS] != nil:
			w.baselines[b.Hash] = &ReplicaSet{Name: "ro-baseline-" + b.Hash, Hash: b.Hash, Replicas: b.Replicas, Synced: true}
			w.baselineFor[b.Hash] = w.canaryOfBaseline(b.Hash)
			if w.baselineStartTicks > 0 {
				if w.baselineStarting == nil {
					w.baselineStarting = map[string]int{}
				}
				w.baselineStarting[b.Hash] = w.baselineStartTicks
			}
		}
	}
	for _, name := range b.Remove {
		rs := w.baselineNamed(name)
		if rs.Hash == b.Hash {
			w.t.Fatalf("%s: the plan sizes baseline %s and deletes it (%s)", w.now.Format(time.TimeOnly), name, w)
		}
		delete(w.baselines, rs.Hash)
		delete(w.baselineFor, rs.Hash)
		delete(w.baselineStarting, rs.Hash)
	}
}

// startingBaseline reports whether hash is a baseline whose pods have not
// started yet, counting one reconcile off its wait.
func (w *world) startingBaseline(hash string) bool {
	if w.baselineStarting[hash] <= 0 {
		return false
	}
	w.baselineStarting[hash]--
	return true
}

// canaryOfBaseline is the revision a new baseline hash belongs to: the one
// whose BaselineHash beside the stable ReplicaSet it is.
func (w *world) canaryOfBaseline(hash string) string {
	w.t.Helper()
	for h := range w.rs {
		if BaselineHash(w.ro.Status.StableRS, h) == hash {
			return h
		}
	}
	w.t.Fatalf("%s: baseline %s belongs to no canary beside stable %s (%s)", w.now.Format(time.TimeOnly), hash, w.ro.Status.StableRS, w)
	return ""
}

func (w *world) baselineNamed(name string) *ReplicaSet {
	w.t.Helper()
	for _, rs := range w.baselines {
		if rs.Name == name {
			return rs
		}
	}
	w.t.Fatalf("%s: the plan deletes %s, which is no baseline ReplicaSet (%s)", w.now.Format(time.TimeOnly), name, w)
	return nil
}

// baselineShare is the baseline's recorded share (zero when none).
func baselineShare(wt *v1alpha1.TrafficWeights) v1alpha1.WeightDestination {
	if wt == nil || wt.Baseline == nil {
		return v1alpha1.WeightDestination{}
	}
	return *wt.Baseline
}

// badWeights says what is wrong with a three-way split (SPEC §2.7 rule 4 and
// §9), or "" when nothing is: each share within 0..100, the three summing to
// 100, the baseline at most 50 and never more than the canary — so never
// traffic to the baseline while the canary has none.
func badWeights(canary, baseline, stable int32) string {
	split := fmt.Sprintf("canary %d / baseline %d / stable %d", canary, baseline, stable)
	for _, share := range []int32{canary, baseline, stable} {
		if share < 0 || share > 100 {
			return split + ": a share outside 0..100"
		}
	}
	switch {
	case canary+baseline+stable != 100:
		return split + ": not summing to 100"
	case baseline > maxBaselineWeight:
		return split + ": the baseline above 50"
	case baseline > canary:
		return split + ": the baseline above the canary"
	}
	return ""
}

// baselineObservation is what a reconcile saw before its plan was applied: the
// step it started at and the pods of the canary and of its baseline.
type baselineObservation struct {
	step              int32
	podHash, stepHash string
	canary, baseline  int32 // available pods
	stable, current   string
}

func (w *world) observeBaselines() baselineObservation {
	st := w.ro.Status
	o := baselineObservation{step: max(0, idx(st.CurrentStepIndex)), podHash: st.CurrentPodHash, stepHash: st.CurrentStepHash,
		canary: w.available(w.current), stable: st.StableRS, current: w.current}
	if st.StableRS != "" {
		if b := w.baselines[BaselineHash(st.StableRS, w.current)]; b != nil {
			o.baseline = b.Available
		}
	}
	return o
}

// checkBaselines runs the baseline's checks after a reconcile; written says
// whether its status was written (the router took its update).
func (w *world) checkBaselines(p Plan, before baselineObservation, written bool) {
	w.t.Helper()
	w.checkBaselineNeverARevision()
	w.checkBaselineNotAlone()
	if written {
		w.checkBaselineAtCompletedSteps(p, before)
	}
	w.checkBaselineRetires(written)
}

// checkBaselineNeverARevision: a baseline never becomes stable, and neither the
// stable nor the canary side (Services, router) ever points at one.
func (w *world) checkBaselineNeverARevision() {
	w.t.Helper()
	at := w.now.Format(time.TimeOnly)
	st := w.ro.Status
	if _, ok := w.baselines[st.StableRS]; ok {
		w.t.Fatalf("%s: baseline %s became stable (%s)", at, st.StableRS, w)
	}
	for _, role := range []string{"stable", "canary"} {
		if s := w.services[role]; s != nil && w.baselines[s.SelectedHash] != nil {
			w.t.Fatalf("%s: the %s Service selects baseline %s (%s)", at, role, s.SelectedHash, w)
		}
	}
	if wt := st.Canary.Weights; wt != nil {
		for _, h := range []string{wt.Canary.PodTemplateHash, wt.Stable.PodTemplateHash} {
			if w.baselines[h] != nil {
				w.t.Fatalf("%s: the router's canary or stable side is baseline %s (%s)", at, h, w)
			}
		}
		if b := wt.Baseline; b != nil && b.Weight > 0 && w.baselines[b.PodTemplateHash] == nil {
			w.t.Fatalf("%s: baseline weight %d toward %s, which is no baseline ReplicaSet (%s)", at, b.Weight, b.PodTemplateHash, w)
		}
	}
}

// checkBaselineNotAlone: without a router the baseline's pods share the app
// Service's traffic, so a baseline with available pods needs its canary to
// have some too — the baseline never carries traffic while its canary has
// none. (With a router badWeights holds the baseline's share to the canary's.)
func (w *world) checkBaselineNotAlone() {
	w.t.Helper()
	if w.ro.Spec.Strategy.Canary.TrafficRouting != nil || *w.ro.Spec.Replicas == 0 || w.anyNotReady() {
		return
	}
	for _, h := range w.baselineHashes() {
		if b := w.baselines[h]; b.Available > 0 && w.available(w.baselineFor[h]) == 0 {
			w.t.Fatalf("%s: baseline %s has %d available pods while its canary %s has none (%s)",
				w.now.Format(time.TimeOnly), h, b.Available, w.baselineFor[h], w)
		}
	}
}

// checkBaselineAtCompletedSteps: a setWeight step with room for a baseline
// (0 < weight < 100, and at most 50 with a router) completes only with the
// baseline at its size, all available: as many pods as the canary
// (matchCanary), or the fixed number or share of replicas. With a router, a
// step that then holds its weight (a pause or an analysis next) has the router
// carrying the step's weight to the canary and to the baseline.
func (w *world) checkBaselineAtCompletedSteps(p Plan, before baselineObservation) {
	w.t.Helper()
	c := w.ro.Spec.Strategy.Canary
	if c.Baseline == nil || before.stable == "" || before.stable == before.current {
		return
	}
	completed := int32(0)
	for _, e := range p.Events {
		if e.Reason == "RolloutStepCompleted" {
			completed++
		}
	}
	start := before.step
	if p.Status.CurrentPodHash != before.podHash || p.Status.CurrentStepHash != before.stepHash {
		start = 0 // a new template or new steps start over
	}
	at := w.now.Format(time.TimeOnly)
	routed := c.TrafficRouting != nil
	for i := start; i < start+completed && int(i) < len(c.Steps); i++ {
		sw := c.Steps[i].SetWeight
		if sw == nil || !baselineRoom(*sw, routed) {
			continue
		}
		want := w.baselineSizeBeside(before.canary)
		if want == 0 {
			continue // a baseline of no pods is none: nothing to wait for
		}
		if before.baseline != want {
			w.t.Fatalf("%s: step %d (setWeight %d) completed with %d available baseline pods, want %d (canary %d) (%s)",
				at, i, *sw, before.baseline, want, before.canary, w)
		}
		next := i + 1
		if !routed || next != start+completed || int(next) >= len(c.Steps) || c.Steps[next].Pause == nil && c.Steps[next].Analysis == nil {
			continue
		}
		wt, hash := w.ro.Status.Canary.Weights, BaselineHash(before.stable, before.current)
		if wt == nil || wt.Canary.Weight != *sw || baselineShare(wt).Weight != *sw || baselineShare(wt).PodTemplateHash != hash {
			w.t.Fatalf("%s: step %d (setWeight %d) completed; the router carries %s, want canary and baseline %d each (%s)",
				at, i, *sw, w.weightsString(), *sw, w)
		}
	}
}

// baselineRoom reports whether a weight leaves room for a baseline.
func baselineRoom(weight int32, routed bool) bool {
	if routed {
		return weight > 0 && weight <= maxBaselineWeight
	}
	return weight > 0 && weight < 100
}

// baselineSizeBeside is the baseline size canary.baseline.replicas asks for
// beside a canary of canaryPods pods, worked out from the spec: the canary's
// count for matchCanary, else the number or the percentage of replicas
// (rounded up), never above replicas.
func (w *world) baselineSizeBeside(canaryPods int32) int32 {
	r, total := w.ro.Spec.Strategy.Canary.Baseline.Replicas, *w.ro.Spec.Replicas
	switch {
	case canaryPods == 0:
		return 0
	case r == nil || r.Type == intstr.String && r.StrVal == v1alpha1.BaselineMatchCanary:
		return canaryPods
	case r.Type == intstr.Int:
		return min(r.IntVal, total)
	}
	percent, err := strconv.Atoi(strings.TrimSuffix(r.StrVal, "%"))
	if err != nil {
		w.t.Fatalf("baseline replicas %q", r.StrVal)
	}
	return min((total*int32(percent)+99)/100, total)
}

func (w *world) weightsString() string {
	wt := w.ro.Status.Canary.Weights
	if wt == nil {
		return "nothing recorded"
	}
	b := baselineShare(wt)
	return fmt.Sprintf("canary %d, baseline %d (%s), stable %d", wt.Canary.Weight, b.Weight, b.PodTemplateHash, wt.Stable.Weight)
}

// baselineWanted reports whether, by the status, the rollout is at a step
// that may run a baseline: it steps a canary (not steady, aborted or
// promoting), and the weight in force leaves room for one. A status the
// template has moved past (not yet reconciled) counts as wanted.
func (w *world) baselineWanted() bool {
	c, st := w.ro.Spec.Strategy.Canary, w.ro.Status
	if c.Baseline == nil || st.StableRS == "" || st.StableRS == w.current || st.Abort || st.PromoteFull || *w.ro.Spec.Replicas == 0 {
		return false
	}
	if st.CurrentPodHash != w.current || st.CurrentStepHash != StepsHash(c.Steps) {
		return true
	}
	i := int(max(0, idx(st.CurrentStepIndex)))
	if i >= len(c.Steps) {
		return false
	}
	weight := int32(0)
	for j := i; j >= 0; j-- {
		if c.Steps[j].SetWeight != nil {
			weight = *c.Steps[j].SetWeight
			break
		}
	}
	return baselineRoom(weight, c.TrafficRouting != nil)
}

// baselineRetireLimit is how many written reconciles a baseline may outlive
// its steps: the router takes its weight away in one, the baselineService
// moves off it and its EndpointSlices catch up (endpointLag), the other
// Services' switches of the same moment settle, then it goes.
func (w *world) baselineRetireLimit() int {
	return 2*max(1, w.endpointLag) + 4
}

// checkBaselineRetires: a baseline exists only while the canary steps at a
// weight with room for it. Once the rollout is steady, aborted or promoting,
// or at a weight without room, every baseline goes within a few reconciles.
// Reconciles a manual pause holds, or whose router write failed, do not count.
func (w *world) checkBaselineRetires(written bool) {
	w.t.Helper()
	if len(w.baselines) == 0 || w.baselineWanted() {
		w.baselineIdle = 0
		return
	}
	if !written || w.ro.Spec.Paused && !w.ro.Status.Abort {
		return
	}
	if w.baselineIdle++; w.baselineIdle > w.baselineRetireLimit() {
		w.t.Fatalf("%s: baseline ReplicaSets %v still there %d reconciles after the steps stopped needing them (%s)",
			w.now.Format(time.TimeOnly), w.baselineHashes(), w.baselineIdle, w)
	}
}
