package plan

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// FuzzWorld drives the world model of sim_test.go with a random Rollout (strategy,
// size, steps, a baseline and its Service) and a random order of what happens
// to it: new templates and reverts, promote, abort, retry, manual pause, scale
// changes, steps changed mid-release, the baseline switched off, on or resized,
// analyses that fail, routers that reject or lag, slow pods and lagging
// EndpointSlices. The world checks SPEC §2.7 after every reconcile (and
// between a reconcile's ReplicaSet writes and its router write). At the end the
// faults heal and a user promotes whenever the rollout pauses: the release must
// finish on the template it was last given — a rollout that stays stuck is a
// failure too.
func FuzzWorld(f *testing.F) {
	for _, seed := range worldSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := &script{data: data}
		w, ok := randomWorld(t, s)
		if !ok {
			return
		}
		var log []string
		defer func() {
			if t.Failed() {
				t.Logf("script:\n%s", strings.Join(log, "\n"))
			}
		}()
		for range 80 {
			if s.done() {
				break
			}
			what := w.happen(s)
			w.tick(time.Second)
			log = append(log, fmt.Sprintf("%s → %s", what, w))
		}
		w.heal()
		w.finish(t)
	})
}

// worldSeeds are starting scripts: each byte is read by script.next; see
// randomWorld and world.happen for what the bytes mean.
var worldSeeds = [][]byte{
	{0, 4, 2, 0, 2, 1, 0, 0, 1, 0, 0, 3, 0, 0},
	{1, 4, 3, 0, 5, 1, 0, 3, 0, 1, 2, 0, 0, 6, 0, 0, 5, 0},
	{2, 9, 4, 4, 3, 0, 7, 1, 1, 0, 0, 6, 0, 4, 0, 5},
	{1, 1, 2, 0, 2, 1, 1, 0, 2, 0, 0, 0, 4, 0, 0},
	{0, 0, 1, 0, 1, 1, 0, 10, 3, 1, 0, 0},
	{1, 5, 3, 1, 8, 3, 2, 1, 0, 1, 0, 0, 8, 2, 0, 1, 0, 0, 9, 2, 0},
	{2, 6, 2, 4, 9, 1, 0, 1, 0, 0, 11, 0, 12, 0, 13, 0, 14},
	// With a baseline (the first byte at 3 and above; see randomWorld).
	{3, 4, 2, 0, 2, 1, 0, 0, 1, 0, 0, 3, 0, 0},
	{28, 5, 3, 0, 5, 1, 0, 3, 0, 1, 2, 0, 0, 6, 0, 0, 5, 0},
	{16, 9, 4, 0, 2, 1, 5, 0, 1, 0, 0, 30, 4, 0, 3, 0, 3, 0},
	{6, 3, 3, 0, 3, 0, 10, 1, 0, 0, 9, 3, 0, 3, 0, 4, 0, 5, 0, 1, 0, 0},
	{42, 7, 4, 0, 2, 1, 0, 0, 5, 0, 0, 1, 0, 0, 0, 3, 15, 0, 0, 0, 3, 0, 15, 3, 0, 3},
}

// script reads a fuzz input as a sequence of small choices; once the bytes run
// out every choice is 0.
type script struct {
	data []byte
	at   int
}

func (s *script) next(n int) int {
	if s.at >= len(s.data) || n <= 0 {
		s.at++
		return 0
	}
	b := s.data[s.at]
	s.at++
	return int(b) % n
}

func (s *script) done() bool { return s.at >= len(s.data) }

// randomWorld builds a healthy Rollout on template "a" from the script; ok is
// false when the spec is one validation rejects (the controller would not run it).
//
// The first byte chooses the kind and the baseline: its rest modulo 3 the
// kind (0: Services, 1: routed, 2: routed with dynamicStableScale), its
// quotient the baseline (see baselineSpecs; 0 for none, which every byte
// below 3 — and so every seed written before the baseline — keeps, its
// decoding unchanged) and, without a router, whether a baselineService is
// named (a router always needs one).
func randomWorld(t *testing.T, s *script) (*world, bool) {
	choice := s.next(3 * 2 * len(baselineSpecs))
	kind, baseline := choice%3, choice/3
	replicas := int32(s.next(8))
	routed := kind > 0
	c := canaryWithServices(randomSteps(s, routed)...)
	if routed {
		c = routedCanary(c.Steps...)
		c.DynamicStableScale = kind == 2
	}
	bounds := []*intstr.IntOrString{nil, ptr(intstr.FromInt32(0)), ptr(intstr.FromInt32(1)), ptr(intstr.FromString("50%"))}
	c.MaxSurge, c.MaxUnavailable = bounds[s.next(len(bounds))], bounds[s.next(len(bounds))]
	if _, _, found := WeightWithoutPods(c.Steps); found {
		return nil, false // InvalidSpec (rollout/validation): the controller would not run it
	}
	if isZero(c.MaxSurge) && isZero(c.MaxUnavailable) {
		return nil, false // rejected by the CRD's validation: the rollout could never move
	}
	if spec := baselineSpecs[baseline%len(baselineSpecs)]; spec != nil {
		withWorldBaseline(c, spec.Replicas, routed || baseline >= len(baselineSpecs))
	}
	w := newWorld(t, replicas, c)
	w.fuzzBaseline = c.Baseline
	w.deploy("a")
	w.runUntil("first deploy is stable and full", 10, time.Second, func() bool {
		return w.ro.Status.StableRS == "a" && w.rs["a"].Available == replicas
	})
	return w, true
}

// isZero reports a bound set to 0 (unset bounds default to 25%).
func isZero(v *intstr.IntOrString) bool { return v != nil && *v == intstr.FromInt32(0) }

// randomSteps are 1 to 6 steps; routed canaries also get setCanaryScale and
// header and mirror routes.
func randomSteps(s *script, routed bool) []v1alpha1.CanaryStep {
	kinds := 4
	if routed {
		kinds = 7
	}
	steps := make([]v1alpha1.CanaryStep, 1+s.next(6))
	for i := range steps {
		switch s.next(kinds) {
		case 0:
			steps[i] = weight(int32(s.next(11) * 10))
		case 1:
			steps[i] = pauseForever()
		case 2:
			steps[i] = pauseFor(int32(1 + s.next(20)))
		case 3:
			steps[i] = v1alpha1.CanaryStep{Analysis: &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "t"}}}}
		case 4:
			scales := []v1alpha1.SetCanaryScale{{Weight: ptr(int32(s.next(11) * 10))}, {Replicas: ptr(int32(s.next(5)))}, {MatchTrafficWeight: true}}
			steps[i] = canaryScale(scales[s.next(len(scales))])
		case 5:
			beta := v1alpha1.HeaderRoutingMatch{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}
			steps[i] = headerRoute("header-1", beta)
		case 6:
			steps[i] = mirrorRoute("mirror-1", v1alpha1.RouteMatch{Method: &v1alpha1.StringMatch{Exact: "GET"}})
		}
	}
	return steps
}

// happen makes one thing happen to the world, chosen by the script, and says what.
func (w *world) happen(s *script) string {
	phases := []v1alpha1.AnalysisPhase{"", v1alpha1.AnalysisPhaseRunning, v1alpha1.AnalysisPhaseSuccessful,
		v1alpha1.AnalysisPhaseFailed, v1alpha1.AnalysisPhaseError, v1alpha1.AnalysisPhaseInconclusive}
	// A byte's remainder modulo 15 picks the happening, as it did before the
	// baseline; a "tick" byte with 15 to 29 left modulo 30 changes the
	// baseline instead, in a world that has one.
	pick := s.next(30)
	switch op := pick % 15; op {
	case 0:
		if pick >= 15 && w.fuzzBaseline != nil {
			return w.changeBaseline(s)
		}
		return "tick"
	case 1:
		hash := fmt.Sprintf("t%d", w.revision+1)
		w.deploy(hash)
		return "new template " + hash
	case 2:
		if w.ro.Status.StableRS == "" {
			return "tick"
		}
		w.deploy(w.ro.Status.StableRS)
		return "back to stable template " + w.ro.Status.StableRS
	case 3:
		w.promote()
		return "promote"
	case 4:
		w.ro.Status.Abort = true
		return "abort"
	case 5:
		w.ro.Status.Abort = false
		return "retry"
	case 6:
		w.routerDown = !w.routerDown
		return fmt.Sprintf("router down %v", w.routerDown)
	case 7:
		w.routerAcceptsEvery = s.next(4)
		return fmt.Sprintf("router takes one update in %d", w.routerAcceptsEvery)
	case 8:
		w.podsPerTick = int32(s.next(3))
		return fmt.Sprintf("pods per tick %d", w.podsPerTick)
	case 9:
		w.endpointLag = s.next(4)
		return fmt.Sprintf("endpoint lag %d", w.endpointLag)
	case 10:
		w.stepAnalysis = phases[s.next(len(phases))]
		return "step analysis " + string(w.stepAnalysis)
	case 11:
		w.ro.Spec.Paused = !w.ro.Spec.Paused
		return fmt.Sprintf("spec.paused %v", w.ro.Spec.Paused)
	case 12:
		w.ro.Status.PromoteFull = true
		return "promote --full"
	case 13:
		w.backgroundAnalysis = phases[s.next(len(phases))]
		return "background analysis " + string(w.backgroundAnalysis)
	default:
		c := w.ro.Spec.Strategy.Canary
		steps := randomSteps(s, c.TrafficRouting != nil)
		if _, _, found := WeightWithoutPods(steps); found {
			return "tick" // an edit the controller would reject as InvalidSpec
		}
		c.Steps = steps
		return fmt.Sprintf("steps changed to %d steps", len(steps))
	}
}

// heal ends every fault: the router takes every update, pods come at once,
// analyses pass, the manual pause ends and an abort is retried.
func (w *world) heal() {
	w.routerDown, w.routerAcceptsEvery, w.podsPerTick, w.endpointLag, w.baselineStartTicks = false, 0, 0, 0, 0
	w.stepAnalysis, w.backgroundAnalysis = v1alpha1.AnalysisPhaseSuccessful, ""
	w.ro.Spec.Paused = false
	w.ro.Status.Abort = false
}

// finish promotes whenever the healed rollout pauses and asserts that the
// release ends on the current template: stable, at full size, the only
// ReplicaSet with pods, both Services and all traffic on it.
func (w *world) finish(t *testing.T) {
	t.Helper()
	replicas := *w.ro.Spec.Replicas
	for range 400 {
		if w.settled(replicas) {
			return
		}
		if w.paused() {
			w.promote()
		}
		w.tick(time.Second)
	}
	t.Fatalf("healed rollout never finished on %s (%s)", w.current, w)
}

func (w *world) settled(replicas int32) bool {
	if w.ro.Status.StableRS != w.current || w.rs[w.current].Available != replicas || len(w.baselines) > 0 {
		return false
	}
	for h, rs := range w.rs {
		if h != w.current && rs.Replicas > 0 {
			return false
		}
	}
	for _, s := range w.services {
		if s.SelectedHash != w.current {
			return false
		}
	}
	if wt := w.ro.Status.Canary.Weights; wt != nil && (wt.Canary.Weight != 0 || wt.Baseline != nil || wt.Stable.PodTemplateHash != w.current) {
		return false
	}
	return true
}

// baselineSpecs are the baselines randomWorld chooses from: none, matchCanary
// (by default and spelled out), fixed sizes (0 included: the schema allows it)
// and shares of replicas.
var baselineSpecs = []*v1alpha1.CanaryBaseline{
	nil,
	{},
	{Replicas: ptr(intstr.FromString(v1alpha1.BaselineMatchCanary))},
	{Replicas: ptr(intstr.FromInt32(1))},
	{Replicas: ptr(intstr.FromInt32(2))},
	{Replicas: ptr(intstr.FromString("50%"))},
	{Replicas: ptr(intstr.FromString("20%"))},
	{Replicas: ptr(intstr.FromInt32(0))},
}

// changeBaseline is a user editing canary.baseline mid-release — switching it
// off, back on, or to another size; the baselineService stays named (validation
// allows one without a baseline) — or new baseline pods that start late.
func (w *world) changeBaseline(s *script) string {
	c := w.ro.Spec.Strategy.Canary
	switch s.next(3) {
	case 0:
		if c.Baseline != nil {
			c.Baseline = nil
			return "baseline switched off"
		}
		fallthrough
	case 1:
		spec := baselineSpecs[1+s.next(len(baselineSpecs)-1)]
		c.Baseline = &v1alpha1.CanaryBaseline{Replicas: spec.Replicas}
		return fmt.Sprintf("baseline replicas %s", baselineReplicasString(spec.Replicas))
	default:
		w.baselineStartTicks = s.next(5)
		return fmt.Sprintf("new baseline pods start %d reconciles late", w.baselineStartTicks)
	}
}

func baselineReplicasString(r *intstr.IntOrString) string {
	if r == nil {
		return "(default)"
	}
	return r.String()
}
