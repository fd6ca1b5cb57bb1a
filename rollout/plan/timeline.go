package plan

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TimelineOptions are the assumptions of an offline timeline.
type TimelineOptions struct {
	// PodReady is how long a new pod takes to become available (minReadySeconds is
	// added on top).
	PodReady time.Duration
	// AnalysisDuration estimates how long an analysis takes, per analysis step (by
	// index) or promotion analysis (-1 pre, -2 post); missing means unknown (0).
	AnalysisDuration map[int]time.Duration
}

// TimelineRow is the state after one step of the update.
type TimelineRow struct {
	// Step is the step's index, or -1 for the final promotion.
	Step        int
	Description string
	// Weight is the canary's share once the step is done: of traffic with a
	// router, of replicas without one.
	Weight int32
	// Canary and Stable are the replica counts once the step is done; MaxPods is
	// the most pods that existed at once while it ran.
	Canary, Stable, MaxPods int32
	// At is the time since the update began when the step completed, assuming
	// indefinite pauses are promoted at once.
	At time.Duration
}

// Timeline is what `kubectl sluice plan` prints.
type Timeline struct {
	Rows []TimelineRow
	// Total is the shortest time from a new template to full promotion.
	Total time.Duration
	// WorstRollback is the longest an abort can take to restore the stable side to
	// full availability (it must bring back pods it scaled down).
	WorstRollback time.Duration
	Warnings      []string
}

// tick is the simulation step: short enough that waits are measured well, long
// enough that long pauses stay cheap to simulate.
const tick = 250 * time.Millisecond

// NewTimeline plans an update of a Rollout offline by running the controller's own
// planning (Canary or BlueGreen) against a simulated cluster, where pods become
// available after opts.PodReady and Services follow their selectors at once. The
// Rollout is taken as deployed on an old template, fully available; the update
// starts at time 0.
func NewTimeline(ro *v1alpha1.Rollout, opts TimelineOptions) (Timeline, error) {
	ro = ro.DeepCopy()
	v1alpha1.SetRolloutDefaults(ro)
	ro.Status = v1alpha1.RolloutStatus{StableRS: "old", CurrentPodHash: "old"}
	sim := newSimulation(ro, opts)
	var tl Timeline
	tl.Warnings = timelineWarnings(ro, opts)
	decide := Canary
	if ro.Spec.Strategy.BlueGreen != nil {
		decide = BlueGreen
	}
	lastStep, maxPods := int32(0), int32(0)
	stableLow, lowAt := *ro.Spec.Replicas, time.Duration(0)
	for sim.now < simulationLimit {
		p := decide(sim.input())
		// A step that completes in this reconcile completed on the state before it:
		// the same reconcile may already scale for the next step.
		before := sim.snapshot()
		sim.apply(p)
		maxPods = max(maxPods, sim.pods())
		if sim.old.Available < stableLow && p.Status.StableRS != "new" {
			stableLow, lowAt = sim.old.Available, sim.now
		}
		step := ptrOr(p.Status.CurrentStepIndex, 0)
		for ; lastStep < step; lastStep++ {
			tl.Rows = append(tl.Rows, before.row(sim, int(lastStep), maxPods))
			maxPods = sim.pods()
		}
		if p.Status.StableRS == "new" {
			tl.Rows = append(tl.Rows, sim.snapshot().row(sim, -1, maxPods))
			tl.Total = sim.now
			if stableLow < *ro.Spec.Replicas {
				tl.WorstRollback = abortDuration(ro, opts, lowAt)
			}
			return tl, nil
		}
		sim.promoteIndefinitePauses()
		sim.now += tick
	}
	return tl, fmt.Errorf("the rollout does not finish within %s of simulated time", simulationLimit)
}

// simulationLimit bounds a timeline; a rollout that needs longer is reported.
const simulationLimit = 24 * time.Hour

// abortDuration replays the update to the moment the stable side was smallest,
// aborts there, and measures how long the stable side takes to be fully
// available again: the worst time to roll back.
func abortDuration(ro *v1alpha1.Rollout, opts TimelineOptions, at time.Duration) time.Duration {
	ro = ro.DeepCopy()
	ro.Status = v1alpha1.RolloutStatus{StableRS: "old", CurrentPodHash: "old"}
	sim := newSimulation(ro, opts)
	decide := Canary
	if ro.Spec.Strategy.BlueGreen != nil {
		decide = BlueGreen
	}
	for ; sim.now <= at; sim.now += tick {
		sim.apply(decide(sim.input()))
		sim.promoteIndefinitePauses()
	}
	sim.ro.Status.Abort = true
	start := sim.now
	for ; sim.now < at+simulationLimit; sim.now += tick {
		sim.apply(decide(sim.input()))
		if sim.old.Available >= *ro.Spec.Replicas {
			return sim.now - start
		}
	}
	return simulationLimit
}

// simulation is a Rollout with an old and a new ReplicaSet.
type simulation struct {
	ro       *v1alpha1.Rollout
	opts     TimelineOptions
	old, new *ReplicaSet
	// readyAt is when each pod asked for becomes available, per ReplicaSet.
	readyAt  map[*ReplicaSet][]time.Duration
	services map[string]*Service
	now      time.Duration
	// waitedFor is when the current analysis began, for the estimated durations.
	analysisStart map[int]time.Duration
}

func newSimulation(ro *v1alpha1.Rollout, opts TimelineOptions) *simulation {
	n := *ro.Spec.Replicas
	s := &simulation{ro: ro, opts: opts,
		old:           &ReplicaSet{Name: "old", Hash: "old", Revision: 1, Replicas: n, Pods: n, Ready: n, Available: n, Synced: true},
		new:           &ReplicaSet{Name: "new", Hash: "new", Revision: 2, Synced: true},
		services:      map[string]*Service{},
		analysisStart: map[int]time.Duration{},
	}
	s.readyAt = map[*ReplicaSet][]time.Duration{s.old: make([]time.Duration, n), s.new: nil}
	for _, role := range []string{"stable", "canary", "active", "preview"} {
		s.services[role] = &Service{Name: role, SelectedHash: "old", Settled: true}
	}
	return s
}

func (s *simulation) input() Input {
	in := Input{Rollout: s.ro, New: s.new, Stable: s.old, Now: time.Unix(0, 0).Add(s.now)}
	if c := s.ro.Spec.Strategy.Canary; c != nil {
		in.StableService, in.CanaryService = s.services["stable"], s.services["canary"]
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
	for _, rs := range []*ReplicaSet{s.old, s.new} {
		if want, ok := p.Replicas[rs.Name]; ok {
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
	}
	for role, hash := range map[string]string{"stable": p.StableServiceHash, "canary": p.CanaryServiceHash,
		"active": p.ActiveServiceHash, "preview": p.PreviewServiceHash} {
		if hash != "" {
			s.services[role].SelectedHash, s.services[role].Settled = hash, true
		}
	}
}

// promoteIndefinitePauses plays the person who promotes at once.
func (s *simulation) promoteIndefinitePauses() {
	st := &s.ro.Status
	for _, c := range st.PauseConditions {
		if c.Reason == v1alpha1.PauseReasonCanaryPauseStep {
			if step := s.currentStep(); step != nil && step.Pause != nil && step.Pause.Duration != nil {
				continue // a timed pause ends by itself
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

func (s *simulation) pods() int32 { return s.old.Replicas + s.new.Replicas }

// counts are the replica counts of the two ReplicaSets, and the traffic weight
// of a routed canary (-1 without a router), at one moment.
type counts struct{ canary, stable, weight int32 }

func (s *simulation) snapshot() counts {
	c := counts{canary: s.new.Replicas, stable: s.old.Replicas, weight: -1}
	if w := s.ro.Status.Canary.Weights; w != nil {
		c.weight = w.Canary.Weight
	}
	return c
}

func (c counts) row(s *simulation, step int, maxPods int32) TimelineRow {
	r := TimelineRow{Step: step, Canary: c.canary, Stable: c.stable, MaxPods: maxPods, At: s.now}
	if total := *s.ro.Spec.Replicas; c.weight >= 0 {
		r.Weight = c.weight
	} else if total > 0 {
		r.Weight = c.canary * 100 / total
	}
	switch c := s.ro.Spec.Strategy.Canary; {
	case step < 0:
		r.Description = "promoted: the new ReplicaSet is stable"
		r.Weight = 100 // a routed canary's weight is back to 0, but both sides are the new pods
	case c != nil:
		r.Description = describeStep(c.Steps[step])
	}
	return r
}

// timelineWarnings are the spec's weak spots an author should know about.
func timelineWarnings(ro *v1alpha1.Rollout, opts TimelineOptions) []string {
	var out []string
	c := ro.Spec.Strategy.Canary
	if c == nil {
		return nil
	}
	replicas := *ro.Spec.Replicas
	if len(c.Steps) == 0 {
		out = append(out, "no steps: the update goes straight to 100%")
	}
	for i, step := range c.Steps {
		if step.SetWeight != nil && c.TrafficRouting == nil {
			w := *step.SetWeight
			got := canaryWeightReplicas(replicas, w)
			if replicas > 0 && got*100 != w*replicas {
				out = append(out, fmt.Sprintf("step %d: setWeight %d with %d replicas runs %d canary pod(s), %d%% of the pods",
					i+1, w, replicas, got, got*100/replicas))
			}
		}
		if step.Analysis != nil {
			if _, ok := opts.AnalysisDuration[i]; !ok {
				out = append(out, fmt.Sprintf("step %d: the analysis templates are not in the input, so its duration counts as 0", i+1))
			}
		}
	}
	return out
}

// EstimateAnalysis is how long a run of these metrics takes when every
// measurement passes: per metric initialDelay + (count−1) × interval, the longest
// metric counting. ok is false when a metric runs until terminated (an interval
// without a count) or uses templated values that cannot be read offline.
func EstimateAnalysis(metrics []v1alpha1.Metric) (d time.Duration, ok bool) {
	for _, m := range metrics {
		delay, err := parseOptionalDuration(m.InitialDelay)
		if err != nil {
			return 0, false
		}
		interval, err := parseOptionalDuration(m.Interval)
		if err != nil {
			return 0, false
		}
		count := 1
		switch {
		case m.Count != nil && m.Count.Type == intstr.Int && m.Count.IntVal != 0:
			count = int(m.Count.IntVal)
		case m.Count != nil && m.Count.Type != intstr.Int:
			return 0, false
		case interval > 0:
			return 0, false // no count (0 is none): runs until the rollout terminates it
		}
		d = max(d, delay+time.Duration(max(0, count-1))*interval)
	}
	return d, true
}

func parseOptionalDuration(s v1alpha1.DurationString) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	return time.ParseDuration(string(s))
}
