package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// world is a small model of a cluster for driving Canary tick by tick: ReplicaSets
// whose pods become available one tick after they are asked for, and Services whose
// EndpointSlices catch up one tick after a selector change. After every plan it
// checks the safety rules of SPEC §2.7.
type world struct {
	t        *testing.T
	ro       *v1alpha1.Rollout
	rs       map[string]*ReplicaSet
	revision int64
	now      time.Time
	services map[string]*Service
	events   []string
	// notReady marks hashes whose pods never become available.
	notReady map[string]bool
	// current is the hash of the Rollout's current template.
	current string
	// stepAnalysis is what the analysis hook reports for the current step.
	stepAnalysis v1alpha1.AnalysisPhase
	// backgroundAnalysis is what it reports for the background run.
	backgroundAnalysis v1alpha1.AnalysisPhase
	// rerunPrePromotion is set when the controller would replace the
	// pre-promotion run: its pause was answered but the plan did not accept it.
	rerunPrePromotion   bool
	heldForInconclusive bool
	// blueGreen selects BlueGreen instead of Canary.
	blueGreen bool
	// prePromotion and postPromotion are what the hook reports for blue-green analysis.
	prePromotion, postPromotion v1alpha1.AnalysisPhase
	// routerDown makes the traffic router of a routed canary reject every
	// update: status.canary.weights keeps what it last accepted.
	routerDown bool
	// routerAcceptsEvery > 1 makes a lagging router: it takes only every n-th
	// update and rejects the others.
	routerAcceptsEvery int
	routerCalls        int
	// growingFromZero marks a Rollout scaled up from 0 replicas: until its first
	// pods are available there is nothing to protect, and no check applies.
	growingFromZero bool
	// dataPlane holds, per Service role, the ReplicaSet its endpoints still
	// send to after a selector switch, until the EndpointSlices catch up:
	// endpointLag reconciles later (at least one).
	dataPlane   map[string]*lag
	endpointLag int
	// podsPerTick > 0 makes pods slow: a ReplicaSet gains at most that many
	// available pods per reconcile.
	podsPerTick int32
	// baselines are the baseline ReplicaSets (canary.baseline) by hash, kept
	// apart from rs as the controller keeps them apart from the revisions;
	// sim_baseline_test.go applies and checks them.
	baselines map[string]*ReplicaSet
	// baselineFor names the canary hash each baseline was made for.
	baselineFor map[string]string
	// baselineIdle counts the reconciles in a row a baseline has outlived
	// the steps it is for (see checkBaselineRetires).
	baselineIdle int
	// fuzzBaseline is the baseline FuzzWorld built the world with (nil for
	// none): only such a world has its baseline switched and resized.
	fuzzBaseline *v1alpha1.CanaryBaseline
	// baselineStartTicks > 0 makes a new baseline's pods slow to start (on
	// nodes still pulling the image): none is available for that many
	// reconciles after its creation. baselineStarting counts them down.
	baselineStartTicks int
	baselineStarting   map[string]int
}

// lag is a Service's old selection still in its EndpointSlices.
type lag struct {
	hash  string
	ticks int
}

// routerRejects says whether the router rejects this reconcile's update.
func (w *world) routerRejects() bool {
	w.routerCalls++
	if w.routerAcceptsEvery > 1 && w.routerCalls%w.routerAcceptsEvery != 0 {
		return true
	}
	return w.routerDown
}

func newBlueGreenWorld(t *testing.T, replicas int32, bg *v1alpha1.BlueGreenStrategy) *world {
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{
		Replicas: &replicas,
		Strategy: v1alpha1.RolloutStrategy{BlueGreen: bg},
	}}
	v1alpha1.SetRolloutDefaults(ro)
	w := &world{t: t, ro: ro, rs: map[string]*ReplicaSet{}, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		services: map[string]*Service{"active": {Name: "active"}}, notReady: map[string]bool{}, blueGreen: true, dataPlane: map[string]*lag{}}
	if bg.PreviewService != "" {
		w.services["preview"] = &Service{Name: "preview"}
	}
	return w
}

func newWorld(t *testing.T, replicas int32, canary *v1alpha1.CanaryStrategy) *world {
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{
		Replicas: &replicas,
		Strategy: v1alpha1.RolloutStrategy{Canary: canary},
	}}
	v1alpha1.SetRolloutDefaults(ro)
	w := &world{t: t, ro: ro, rs: map[string]*ReplicaSet{}, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		services: map[string]*Service{}, notReady: map[string]bool{}, dataPlane: map[string]*lag{},
		baselines: map[string]*ReplicaSet{}, baselineFor: map[string]string{}}
	if canary.StableService != "" {
		w.services["stable"] = &Service{Name: canary.StableService}
		w.services["canary"] = &Service{Name: canary.CanaryService}
	}
	if canary.BaselineService != "" {
		w.services["baseline"] = &Service{Name: canary.BaselineService}
	}
	return w
}

// deploy switches the template to the one identified by hash (creating its
// ReplicaSet at 0, as the controller does before planning).
func (w *world) deploy(hash string) {
	if _, ok := w.rs[hash]; !ok {
		w.revision++
		w.rs[hash] = &ReplicaSet{Name: "ro-" + hash, Hash: hash, Revision: w.revision, Synced: true}
	}
	w.current = hash
}

func (w *world) input() Input {
	in := Input{Rollout: w.ro, New: w.rs[w.current], Now: w.now, StepAnalysis: w.stepAnalysis, BackgroundAnalysis: w.backgroundAnalysis,
		StableService: w.services["stable"], CanaryService: w.services["canary"],
		ActiveService: w.services["active"], PreviewService: w.services["preview"],
		PrePromotionAnalysis: w.prePromotion, PostPromotionAnalysis: w.postPromotion}
	for _, h := range w.hashes() {
		rs := w.rs[h]
		switch {
		case h == w.current:
		case h == w.ro.Status.StableRS:
			in.Stable = rs
		default:
			in.Others = append(in.Others, rs)
		}
	}
	w.inputBaselines(&in)
	return in
}

func (w *world) hashes() []string {
	var hs []string
	for h := range w.rs {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	return hs
}

// tick runs one reconcile and applies its plan, then lets time pass.
func (w *world) tick(step time.Duration) Plan {
	w.t.Helper()
	// Pods asked for last tick are now available; endpoints caught up.
	for h, rs := range w.allReplicaSets() {
		rs.Pods = rs.Replicas
		if w.startingBaseline(h) {
			continue
		}
		if !w.notReady[h] {
			if w.podsPerTick > 0 {
				rs.Available = min(rs.Replicas, rs.Available+w.podsPerTick)
			} else {
				rs.Available = rs.Replicas
			}
			rs.Ready = rs.Available
		}
	}
	for role, s := range w.services {
		if l := w.dataPlane[role]; l != nil {
			if l.ticks--; l.ticks <= 0 {
				delete(w.dataPlane, role)
			}
		}
		s.Settled = s.SelectedHash != "" && w.available(s.SelectedHash) > 0 && w.dataPlane[role] == nil
	}
	decide := Canary
	if w.blueGreen {
		decide = BlueGreen
	}
	before := w.observeBaselines()
	p := decide(w.input())
	for name, n := range p.Replicas {
		w.byName(name).Replicas = n
		rs := w.byName(name)
		rs.Available = min(rs.Available, n) // scale-down removes pods at once
	}
	for name, at := range p.ScaleDownAt {
		w.byName(name).ScaleDownAt = &at
	}
	for role, hash := range map[string]string{"stable": p.StableServiceHash, "canary": p.CanaryServiceHash,
		"active": p.ActiveServiceHash, "preview": p.PreviewServiceHash, "baseline": baselineServiceHash(p)} {
		if svc := w.services[role]; svc != nil && hash != "" && svc.SelectedHash != hash {
			if svc.SelectedHash != "" {
				w.dataPlane[role] = &lag{hash: svc.SelectedHash, ticks: max(1, w.endpointLag)}
			}
			svc.SelectedHash, svc.Settled = hash, false
		}
	}
	// The controller writes the baselines after the other ReplicaSets and
	// Services and before the router.
	w.applyBaseline(p.Baseline)
	// A controller killed here, or a router that rejects or lags, leaves the
	// ReplicaSet and Service writes standing with the old traffic.
	if !w.growingFromZero || w.available(w.current) > 0 {
		w.checkBeforeRouter(p)
	}
	// A router that rejects the update fails the reconcile after the ReplicaSet
	// and Service writes and before the status write and the events.
	written := p.Traffic == nil || !w.routerRejects()
	if written {
		w.ro.Status = p.Status
		if t := p.Traffic; t != nil {
			// The router accepts at once; the controller records what it accepted.
			w.ro.Status.Canary.Weights = &v1alpha1.TrafficWeights{
				Canary:   v1alpha1.WeightDestination{Weight: t.CanaryWeight, PodTemplateHash: t.CanaryHash},
				Stable:   v1alpha1.WeightDestination{Weight: t.StableWeight(), PodTemplateHash: t.StableHash},
				Verified: ptr(true),
			}
			if t.BaselineWeight > 0 {
				w.ro.Status.Canary.Weights.Baseline = &v1alpha1.WeightDestination{Weight: t.BaselineWeight,
					ServiceName: w.ro.Spec.Strategy.Canary.BaselineService, PodTemplateHash: t.BaselineHash}
			}
		}
		for _, e := range p.Events {
			w.events = append(w.events, e.Reason)
		}
		// The controller's side of analysis: an accepted run reads as
		// Successful; an Inconclusive pre-promotion run no pause holds any
		// longer would be replaced by a fresh run.
		if slices.Contains(p.Accepted, v1alpha1.AnalysisKindPrePromotion) {
			w.prePromotion = v1alpha1.AnalysisPhaseSuccessful
		}
		held := slices.Contains(w.ro.Status.ControllerPauses, v1alpha1.PauseReasonInconclusiveAnalysis) ||
			slices.ContainsFunc(w.ro.Status.PauseConditions, func(c v1alpha1.PauseCondition) bool { return c.Reason == v1alpha1.PauseReasonInconclusiveAnalysis })
		if w.prePromotion == v1alpha1.AnalysisPhaseInconclusive && w.heldForInconclusive && !held {
			w.rerunPrePromotion = true
		}
		w.heldForInconclusive = held
	}
	if w.growingFromZero && w.available(w.current) == 0 {
		w.now = w.now.Add(step)
		return p
	}
	w.checkSafety(p)
	if !w.blueGreen {
		w.checkBaselines(p, before, written)
	}
	w.now = w.now.Add(step)
	return p
}

func (w *world) byName(name string) *ReplicaSet {
	for _, rs := range w.allReplicaSets() {
		if rs.Name == name {
			return rs
		}
	}
	w.t.Fatalf("no ReplicaSet %s", name)
	return nil
}

// checkSafety asserts the bounds of SPEC §2.7 once the stable side exists.
func (w *world) checkSafety(p Plan) {
	w.t.Helper()
	w.checkDataPlane()
	if w.blueGreen {
		w.checkServices()
		return
	}
	if w.ro.Spec.Strategy.Canary.TrafficRouting != nil {
		w.checkRouted(p)
		return
	}
	total := *w.ro.Spec.Replicas
	surge, unavailable := surgeAndUnavailable(total, w.ro.Spec.Strategy.Canary.MaxSurge, w.ro.Spec.Strategy.Canary.MaxUnavailable)
	var pods, available int32
	for _, rs := range w.rs {
		pods += rs.Replicas
		available += rs.Available
	}
	if w.ro.Status.StableRS == "" || w.current == w.ro.Status.StableRS && len(w.rs) == 1 {
		return // first deploy: nothing to protect yet
	}

	if w.services["stable"] != nil {
		surge = max(surge, 1) // the Service floor's pod (weightSplit)
	}
	if pods > total+surge {
		w.t.Fatalf("%s: %d pods exceed replicas+maxSurge %d (%s)", w.now.Format(time.TimeOnly), pods, total+surge, w)
	}
	if available < total-unavailable && !w.anyNotReady() {
		w.t.Fatalf("%s: %d available below replicas−maxUnavailable %d (%s)", w.now.Format(time.TimeOnly), available, total-unavailable, w)
	}
	w.checkServices()
}

// checkRouted asserts the rules of a routed canary: weights asked for and
// carried are within 0..100 and sum to 100 (rule 4); no weight above 0 — and no
// header or mirror route — toward a ReplicaSet without available pods, and no
// Service selecting one (rule 1); the stable side at full size while a canary
// runs, unless dynamicStableScale (rule 3).
func (w *world) checkRouted(p Plan) {
	w.t.Helper()
	if w.ro.Status.StableRS == "" || w.current == w.ro.Status.StableRS && len(w.rs) == 1 || *w.ro.Spec.Replicas == 0 {
		return // first deploy, or 0 replicas: no pods anywhere, nothing to protect
	}
	at := w.now.Format(time.TimeOnly)
	if t := p.Traffic; t != nil {
		if msg := badWeights(t.CanaryWeight, t.BaselineWeight, t.StableWeight()); msg != "" {
			w.t.Fatalf("%s: router asked for %s (%s)", at, msg, w)
		}
		if routes := len(t.HeaderRoutes) + len(t.MirrorRoutes); routes > 0 && w.available(t.CanaryHash) == 0 {
			w.t.Fatalf("%s: %d managed routes toward %s, which has no available pod (%s)", at, routes, t.CanaryHash, w)
		}
	}
	if wt := w.ro.Status.Canary.Weights; wt != nil {
		if msg := badWeights(wt.Canary.Weight, baselineShare(wt).Weight, wt.Stable.Weight); msg != "" {
			w.t.Fatalf("%s: router carries %s (%s)", at, msg, w)
		}
		for _, d := range []v1alpha1.WeightDestination{wt.Canary, wt.Stable, baselineShare(wt)} {
			if d.Weight > 0 && w.available(d.PodTemplateHash) == 0 {
				w.t.Fatalf("%s: weight %d toward %s, which has no available pod (%s)", at, d.Weight, d.PodTemplateHash, w)
			}
		}
		w.checkStableCapacity(wt.Stable.Weight, "after the reconcile")
	}
	for role, s := range w.services {
		if s.SelectedHash != "" && w.available(s.SelectedHash) == 0 && !w.notReady[s.SelectedHash] {
			w.t.Fatalf("%s: %s Service selects %s, which has no available pod (%s)", at, role, s.SelectedHash, w)
		}
	}
	c := w.ro.Spec.Strategy.Canary
	if stable := w.rs[w.ro.Status.StableRS]; stable != nil && !c.DynamicStableScale && stable.Replicas < *w.ro.Spec.Replicas {
		w.t.Fatalf("%s: stable %s runs %d of %d replicas (%s)", at, stable.Hash, stable.Replicas, *w.ro.Spec.Replicas, w)
	}
}

// checkDataPlane: a Service whose EndpointSlices still list the ReplicaSet it
// was switched away from still sends it traffic, so those pods must be there.
func (w *world) checkDataPlane() {
	w.t.Helper()
	for role, l := range w.dataPlane {
		if *w.ro.Spec.Replicas > 0 && w.available(l.hash) == 0 && !w.notReady[l.hash] {
			w.t.Fatalf("%s: %s Service's endpoints still send to %s, which has no available pod (%s)",
				w.now.Format(time.TimeOnly), role, l.hash, w)
		}
	}
}

// checkBeforeRouter asserts SPEC §2.7 rule 1 between a reconcile's
// ReplicaSet and Service writes and its router write, and inside that router
// write: the router moves DestinationRule subsets before it moves weights, so
// for a moment the weights it carried point at the subsets' new ReplicaSets.
func (w *world) checkBeforeRouter(p Plan) {
	w.t.Helper()
	wt := w.ro.Status.Canary.Weights
	if w.blueGreen || w.ro.Spec.Strategy.Canary.TrafficRouting == nil || wt == nil || *w.ro.Spec.Replicas == 0 {
		return
	}
	at := w.now.Format(time.TimeOnly)
	sides := map[string]int32{wt.Canary.PodTemplateHash: wt.Canary.Weight, wt.Stable.PodTemplateHash: wt.Stable.Weight}
	// The baseline's share goes to the baselineService, not to a subset the
	// router moves, so only the hash it was accepted for counts.
	b := baselineShare(wt)
	sides[b.PodTemplateHash] += b.Weight
	if t := p.Traffic; t != nil {
		sides[t.CanaryHash] += wt.Canary.Weight
		sides[t.StableHash] += wt.Stable.Weight
	}
	for hash, weight := range sides {
		if weight > 0 && w.available(hash) == 0 && !w.notReady[hash] {
			w.t.Fatalf("%s: before the router took the new weights, weight %d goes to %s, which has no available pod (%s)", at, weight, hash, w)
		}
	}
	w.checkStableCapacity(wt.Stable.Weight, "before the router took the new weights")
}

// checkStableCapacity asserts that with dynamicStableScale the stable side never
// carries more traffic than its available pods can: 100/replicas percent each.
func (w *world) checkStableCapacity(stableWeight int32, when string) {
	w.t.Helper()
	c, total := w.ro.Spec.Strategy.Canary, *w.ro.Spec.Replicas
	stable := w.rs[w.ro.Status.StableRS]
	if !c.DynamicStableScale || stable == nil || total == 0 || w.current == stable.Hash {
		return
	}
	if capacity := 100 * stable.Available / total; stableWeight > capacity {
		w.t.Fatalf("%s: %s, stable carries %d%% on %d of %d pods (capacity %d%%) (%s)",
			w.now.Format(time.TimeOnly), when, stableWeight, stable.Available, total, capacity, w)
	}
}

// available is the available pods of the ReplicaSet (a revision or a
// baseline) with hash (0 for none, or a deleted one).
func (w *world) available(hash string) int32 {
	if rs := w.rs[hash]; rs != nil {
		return rs.Available
	}
	if rs := w.baselines[hash]; rs != nil {
		return rs.Available
	}
	return 0
}

// checkServices: no Service selects a ReplicaSet without an available pod.
func (w *world) checkServices() {
	w.t.Helper()
	if *w.ro.Spec.Replicas == 0 {
		return // nothing has pods; the Services follow the template (maySelect)
	}
	for role, s := range w.services {
		if s.SelectedHash != "" && w.available(s.SelectedHash) == 0 && !w.anyNotReady() {
			w.t.Fatalf("%s: %s Service selects %s, which has no available pod (%s)", w.now.Format(time.TimeOnly), role, s.SelectedHash, w)
		}
	}
}

func (w *world) anyNotReady() bool { return len(w.notReady) > 0 }

func (w *world) String() string {
	var parts []string
	for _, h := range w.hashes() {
		rs := w.rs[h]
		parts = append(parts, fmt.Sprintf("%s=%d/%d", h, rs.Available, rs.Replicas))
	}
	for _, h := range w.baselineHashes() {
		rs := w.baselines[h]
		parts = append(parts, fmt.Sprintf("baseline %s(for %s)=%d/%d", h, w.baselineFor[h], rs.Available, rs.Replicas))
	}
	for _, role := range []string{"stable", "canary", "baseline", "active", "preview"} {
		if s, ok := w.services[role]; ok {
			parts = append(parts, role+"→"+s.SelectedHash)
		}
	}
	if wt := w.ro.Status.Canary.Weights; wt != nil {
		parts = append(parts, fmt.Sprintf("weight %s:%d/%s:%d", wt.Canary.PodTemplateHash, wt.Canary.Weight, wt.Stable.PodTemplateHash, wt.Stable.Weight))
		if b := wt.Baseline; b != nil {
			parts = append(parts, fmt.Sprintf("baseline %s:%d", b.PodTemplateHash, b.Weight))
		}
	}
	return strings.Join(parts, " ") + fmt.Sprintf(" step=%d", idx(w.ro.Status.CurrentStepIndex))
}

func (w *world) replicas(hash string) int32 { return w.rs[hash].Replicas }

// promote is what `kubectl sluice promote` writes: a paused rollout has its
// pause ended; one that is not paused skips its current step, if it has one
// left (past the last step promote refuses).
func (w *world) promote() {
	if len(w.ro.Status.PauseConditions) > 0 {
		w.ro.Status.PauseConditions = nil
		return
	}
	if c := w.ro.Spec.Strategy.Canary; c != nil && int(idx(w.ro.Status.CurrentStepIndex)) >= len(c.Steps) {
		return
	}
	i := idx(w.ro.Status.CurrentStepIndex) + 1
	w.ro.Status.CurrentStepIndex = &i
}

// runUntil ticks until done holds, failing after limit ticks.
func (w *world) runUntil(what string, limit int, step time.Duration, done func() bool) {
	w.t.Helper()
	for i := 0; i < limit; i++ {
		if done() {
			return
		}
		w.tick(step)
	}
	w.t.Fatalf("never reached: %s (%s)", what, w)
}

func idx(p *int32) int32 {
	if p == nil {
		return -1
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func canaryWithServices(steps ...v1alpha1.CanaryStep) *v1alpha1.CanaryStrategy {
	return &v1alpha1.CanaryStrategy{StableService: "stable", CanaryService: "canary", Steps: steps}
}

func weight(w int32) v1alpha1.CanaryStep { return v1alpha1.CanaryStep{SetWeight: &w} }
func pauseFor(seconds int32) v1alpha1.CanaryStep {
	d := intstr.FromInt32(seconds)
	return v1alpha1.CanaryStep{Pause: &v1alpha1.RolloutPause{Duration: &d}}
}
func pauseForever() v1alpha1.CanaryStep { return v1alpha1.CanaryStep{Pause: &v1alpha1.RolloutPause{}} }

func (w *world) paused() bool {
	return len(w.ro.Status.PauseConditions) > 0
}
