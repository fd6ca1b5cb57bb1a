package plan

import (
	"slices"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// tick is the simulation step: short enough that waits are measured well, long
// enough that long pauses stay cheap to simulate.
const tick = 250 * time.Millisecond

// simulationLimit bounds a timeline; a rollout that needs longer is reported.
const simulationLimit = 24 * time.Hour

// simulation is a Rollout with an old and a new ReplicaSet, in a cluster where
// pods become available opts.PodReady after they are asked for, Services follow
// their selectors at once, and the router accepts every weight at once.
type simulation struct {
	ro       *v1alpha1.Rollout
	opts     TimelineOptions
	old, new *ReplicaSet
	// baseline is the canary's baseline ReplicaSet while one runs.
	baseline *ReplicaSet
	// readyAt is when each pod asked for becomes available, per ReplicaSet.
	readyAt  map[*ReplicaSet][]time.Duration
	services map[string]*Service
	now      time.Duration
	// analysisStart is when each analysis began, for the estimated durations.
	analysisStart map[int]time.Duration
}

// newSimulation starts a Rollout deployed on an old template, fully available,
// whose template has just changed.
func newSimulation(ro *v1alpha1.Rollout, opts TimelineOptions) *simulation {
	ro = ro.DeepCopy()
	ro.Status = v1alpha1.RolloutStatus{StableRS: "old", CurrentPodHash: "old"}
	n := *ro.Spec.Replicas
	s := &simulation{ro: ro, opts: opts,
		old:           &ReplicaSet{Name: "old", Hash: "old", Revision: 1, Replicas: n, Pods: n, Ready: n, Available: n, Synced: true},
		new:           &ReplicaSet{Name: "new", Hash: "new", Revision: 2, Synced: true},
		services:      map[string]*Service{},
		analysisStart: map[int]time.Duration{},
	}
	s.readyAt = map[*ReplicaSet][]time.Duration{s.old: make([]time.Duration, n), s.new: nil}
	for _, role := range []string{"stable", "canary", "baseline", "active", "preview"} {
		s.services[role] = &Service{Name: role, SelectedHash: "old", Settled: true}
	}
	return s
}

// decide is the controller's planning for the Rollout's strategy.
func (s *simulation) decide(in Input) Plan {
	if s.ro.Spec.Strategy.BlueGreen != nil {
		return BlueGreen(in)
	}
	return Canary(in)
}

func (s *simulation) input() Input {
	in := Input{Rollout: s.ro, New: s.new, Stable: s.old, Now: time.Unix(0, 0).Add(s.now)}
	if s.ro.Status.StableRS == "new" {
		// Promoted: the old ReplicaSet is one of the others, on its way out.
		in.Stable, in.Others = s.new, []*ReplicaSet{s.old}
	}
	if c := s.ro.Spec.Strategy.Canary; c != nil {
		in.StableService, in.CanaryService = s.services["stable"], s.services["canary"]
		if c.BaselineService != "" {
			in.BaselineService = s.services["baseline"]
		}
		if s.baseline != nil {
			in.Baselines = []*ReplicaSet{s.baseline}
		}
	} else {
		in.ActiveService, in.PreviewService = s.services["active"], s.services["preview"]
	}
	// Each analysis is timed from the first reconcile that can look at it.
	if step := s.currentStep(); step != nil && step.Analysis != nil {
		in.StepAnalysis = s.analysis(int(ptrOr(s.ro.Status.CurrentStepIndex, 0)))
	}
	if s.ro.Spec.Strategy.BlueGreen != nil && s.new.Available > 0 {
		in.PrePromotionAnalysis = s.analysis(-1)
	}
	if s.ro.Spec.Strategy.BlueGreen != nil && s.services["active"].SelectedHash == "new" {
		in.PostPromotionAnalysis = s.analysis(-2)
	}
	return in
}

// analysis reports an estimated analysis as Successful once its duration passed.
func (s *simulation) analysis(key int) v1alpha1.AnalysisPhase {
	start, ok := s.analysisStart[key]
	if !ok {
		s.analysisStart[key] = s.now
		start = s.now
	}
	if s.now-start >= s.opts.AnalysisDuration[key] {
		return v1alpha1.AnalysisPhaseSuccessful
	}
	return v1alpha1.AnalysisPhaseRunning
}

// apply carries out a plan and lets pods become available on schedule.
func (s *simulation) apply(p Plan) {
	s.ro.Status = p.Status
	ready := s.opts.PodReady + time.Duration(s.ro.Spec.MinReadySeconds)*time.Second
	s.applyBaseline(p.Baseline)
	for _, rs := range s.replicaSets() {
		want, ok := p.Replicas[rs.Name]
		if rs == s.baseline && p.Baseline != nil && p.Baseline.Hash == rs.Hash {
			want, ok = p.Baseline.Replicas, true
		}
		if ok {
			pods := s.readyAt[rs]
			for int32(len(pods)) < want {
				pods = append(pods, s.now+ready)
			}
			s.readyAt[rs] = pods[:want]
			rs.Replicas = want
		}
		if at, ok := p.ScaleDownAt[rs.Name]; ok {
			rs.ScaleDownAt = &at
		}
		rs.Pods, rs.Available = rs.Replicas, 0
		for _, at := range s.readyAt[rs] {
			if at <= s.now {
				rs.Available++
			}
		}
		rs.Ready = rs.Available
	}
	if t := p.Traffic; t != nil {
		// The router accepts every weight at once, as the controller records it.
		verified := true
		s.ro.Status.Canary.Weights = &v1alpha1.TrafficWeights{
			Canary:   v1alpha1.WeightDestination{Weight: t.CanaryWeight, PodTemplateHash: t.CanaryHash},
			Stable:   v1alpha1.WeightDestination{Weight: t.StableWeight(), PodTemplateHash: t.StableHash},
			Verified: &verified,
		}
		if t.BaselineWeight > 0 {
			s.ro.Status.Canary.Weights.Baseline = &v1alpha1.WeightDestination{Weight: t.BaselineWeight, PodTemplateHash: t.BaselineHash}
		}
	}
	baselineService := ""
	if p.Baseline != nil {
		baselineService = p.Baseline.ServiceHash
	}
	for role, hash := range map[string]string{"stable": p.StableServiceHash, "canary": p.CanaryServiceHash, "baseline": baselineService,
		"active": p.ActiveServiceHash, "preview": p.PreviewServiceHash} {
		if hash != "" {
			s.services[role].SelectedHash, s.services[role].Settled = hash, true
		}
	}
}

// applyBaseline creates the baseline a plan asks for (its pods start now and
// are sized with the others in apply) and removes the one it lets go.
func (s *simulation) applyBaseline(b *BaselinePlan) {
	if b == nil {
		return
	}
	if s.baseline != nil && (slices.Contains(b.Remove, s.baseline.Name) || b.Hash != "" && b.Hash != s.baseline.Hash) {
		delete(s.readyAt, s.baseline)
		s.baseline = nil
	}
	if s.baseline == nil && b.Hash != "" && b.Replicas > 0 {
		s.baseline = &ReplicaSet{Name: "baseline-" + b.Hash, Hash: b.Hash, Synced: true}
		s.readyAt[s.baseline] = nil
	}
}

// replicaSets are the ReplicaSets of the simulated cluster.
func (s *simulation) replicaSets() []*ReplicaSet {
	if s.baseline != nil {
		return []*ReplicaSet{s.old, s.new, s.baseline}
	}
	return []*ReplicaSet{s.old, s.new}
}

// promoteIndefinitePauses plays the person who promotes at once. Timed pauses
// (a pause step with a duration, a blue-green pause with autoPromotionSeconds)
// end by themselves.
func (s *simulation) promoteIndefinitePauses() {
	st := &s.ro.Status
	for _, c := range st.PauseConditions {
		switch c.Reason {
		case v1alpha1.PauseReasonCanaryPauseStep:
			if step := s.currentStep(); step != nil && step.Pause != nil && step.Pause.Duration != nil {
				continue
			}
		case v1alpha1.PauseReasonBlueGreenPause:
			if bg := s.ro.Spec.Strategy.BlueGreen; bg != nil && bg.AutoPromotionSeconds > 0 {
				continue
			}
		}
		st.PauseConditions = nil
		return
	}
}

func (s *simulation) currentStep() *v1alpha1.CanaryStep {
	c := s.ro.Spec.Strategy.Canary
	i := int(ptrOr(s.ro.Status.CurrentStepIndex, 0))
	if c == nil || i >= len(c.Steps) {
		return nil
	}
	return &c.Steps[i]
}

// oldSideSettled reports whether, after the promotion, the old ReplicaSet is
// gone or will not go: it has no pods, or no scale-down deadline that is still
// ahead (the last row then shows what it keeps).
func (s *simulation) oldSideSettled() bool {
	if s.old.Replicas == 0 {
		return true
	}
	at := s.old.ScaleDownAt
	return at == nil || time.Unix(0, 0).Add(s.now).After(at.Add(time.Minute))
}

// pods are the pods of every ReplicaSet (a baseline's too: it is part of
// the cost), counting those still starting.
func (s *simulation) pods() int32 {
	var n int32
	for _, rs := range s.replicaSets() {
		n += rs.Replicas
	}
	return n
}

// share is the new pods' share of the work: the router's canary weight for a
// routed canary, else the new ReplicaSet's share of the replicas.
func (s *simulation) share(canary int32) int32 {
	if w := s.ro.Status.Canary.Weights; w != nil {
		return w.Canary.Weight
	}
	if total := *s.ro.Spec.Replicas; total > 0 {
		return canary * 100 / total
	}
	return 0
}
