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

// TimelineRow is the state once one stage of the update is done: a canary step,
// or a stage of its own (a blue-green preview, the promotion, the old side's
// scale-down).
type TimelineRow struct {
	// Step is the canary step's index, or -1 for a row that is no canary step.
	Step        int
	Description string
	// Weight is the new pods' share once the row is done: for a routed canary
	// the weight the router carries, for blue-green the active Service's traffic
	// (0 or 100), else the new ReplicaSet's share of the replicas.
	Weight int32
	// Canary and Stable are the pods the new and the old ReplicaSet run once the
	// row is done (counting pods still starting). MaxPods is the most pods of
	// both that existed at once while it ran.
	Canary, Stable, MaxPods int32
	// At is the time since the update began when the row was done, assuming
	// indefinite pauses are promoted at once.
	At time.Duration
	// RouteWithoutPods marks a setHeaderRoute or setMirrorRoute step whose route
	// has no canary pod to go to (see routeWithoutPods).
	RouteWithoutPods bool
	// Notes explain the row where it does not do what it seems to.
	Notes []string
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

// NewTimeline plans an update of a Rollout offline by running the controller's own
// planning (Canary or BlueGreen) against a simulated cluster, where pods become
// available after opts.PodReady, Services follow their selectors at once and a
// router takes every weight at once. The Rollout is taken as deployed on an old
// template, fully available; the update starts at time 0 and the timeline ends
// once the old side is scaled down after the promotion.
func NewTimeline(ro *v1alpha1.Rollout, opts TimelineOptions) (Timeline, error) {
	if ro.Spec.Strategy.Canary == nil && ro.Spec.Strategy.BlueGreen == nil {
		return Timeline{}, fmt.Errorf("no strategy: spec.strategy needs canary or blueGreen")
	}
	ro = ro.DeepCopy()
	v1alpha1.SetRolloutDefaults(ro)
	tl := Timeline{Warnings: timelineWarnings(ro, opts)}
	sim := newSimulation(ro, opts)
	var rec recorder = &canaryRecorder{sim: sim}
	if ro.Spec.Strategy.BlueGreen != nil {
		rec = &blueGreenRecorder{sim: sim}
	}
	stableLow, lowAt := *ro.Spec.Replicas, time.Duration(0)
	promotedAt := time.Duration(-1)
	for ; sim.now < simulationLimit; sim.now += tick {
		in := sim.input()
		p := sim.decide(in)
		tl.Rows = append(tl.Rows, rec.observe(in, p)...)
		promoted := p.Status.StableRS == "new"
		if !promoted && sim.old.Available < stableLow {
			stableLow, lowAt = sim.old.Available, sim.now
		}
		if promoted && promotedAt < 0 {
			promotedAt, tl.Total = sim.now, sim.now
			if stableLow < *ro.Spec.Replicas {
				tl.WorstRollback = abortDuration(ro, opts, lowAt)
			}
		}
		if promoted && sim.oldSideSettled() {
			markRoutesWithoutPods(ro, tl.Rows)
			return tl, nil
		}
		sim.promoteIndefinitePauses()
	}
	return tl, fmt.Errorf("the rollout does not finish within %s of simulated time", simulationLimit)
}

// recorder turns each reconcile of the simulation into the rows it completed.
// observe is called with the reconcile's input and plan before the plan is
// applied, and applies it.
type recorder interface {
	observe(in Input, p Plan) []TimelineRow
}

// abortDuration replays the update to the moment the stable side was smallest,
// aborts there, and measures how long the stable side takes to be fully
// available again: the worst time to roll back.
func abortDuration(ro *v1alpha1.Rollout, opts TimelineOptions, at time.Duration) time.Duration {
	sim := newSimulation(ro, opts)
	for ; sim.now <= at; sim.now += tick {
		sim.apply(sim.decide(sim.input()))
		sim.promoteIndefinitePauses()
	}
	sim.ro.Status.Abort = true
	start := sim.now
	for ; sim.now < at+simulationLimit; sim.now += tick {
		sim.apply(sim.decide(sim.input()))
		if sim.old.Available >= *ro.Spec.Replicas {
			return sim.now - start
		}
	}
	return simulationLimit
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
