package main

import (
	"sort"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// waveAnalysis is what the timelines of one wave say.
type waveAnalysis struct {
	// UpdateToHealthy is per Rollout, from its image patch to the status that
	// shows it Healthy on the new ReplicaSet, in seconds.
	UpdateToHealthy       dist            `json:"updateToHealthySeconds"`
	UpdateToHealthyByKind map[string]dist `json:"updateToHealthySecondsByKind"`
	// Reactions are event → action latencies in milliseconds.
	Reactions []reaction `json:"reactions"`
	// PodsReady is kube-controller-manager + scheduler + KWOK: a ReplicaSet
	// scale-up written by the controller → all its pods available, in ms.
	PodsReady dist `json:"podsReadyMs"`
	// Writes are the controller's writes per Rollout, by the step the
	// Rollout's status showed when they happened.
	Writes []stepWrites `json:"writesPerRollout"`
	// NotHealthy counts Rollouts whose timeline never showed Healthy.
	NotHealthy int `json:"notHealthy"`
	// WatchLag is per Rollout from its image patch's response to the bench's
	// watch showing the new generation, ImagePatch the patch's round trip,
	// both in ms (breakdown.go).
	WatchLag   dist `json:"watchLagMs"`
	ImagePatch dist `json:"imagePatchMs"`
}

// reaction is one kind of event → action latency.
type reaction struct {
	Kind    string `json:"kind"`
	Trigger string `json:"trigger"`
	Action  string `json:"action"`
	Ms      dist   `json:"ms"`
	// Span marks a row whose interval also holds another component's work
	// between the trigger and the action (a routed promotion waits for the
	// EndpointSlice controller), so it is not the controller's reaction time.
	Span bool `json:"span,omitempty"`
	// order sorts the rows in the order a Rollout meets them.
	order int
}

// stepWrites counts writes of one object kind in one step, per Rollout.
type stepWrites struct {
	Kind       string  `json:"kind"`
	Step       string  `json:"step"`
	Object     string  `json:"object"`
	PerRollout float64 `json:"perRollout"`
}

// rolloutWave is what the bench knows about one Rollout going into the wave.
type rolloutWave struct {
	kind    string
	oldHash string
	sent    time.Duration // the patch was sent
	done    time.Duration // its response arrived
}

// sampleSet gathers samples under a (kind, trigger, action) key.
type sampleSet struct {
	keys    []reaction
	samples map[reaction][]float64
}

func (s *sampleSet) add(order int, kind, trigger, action string, d time.Duration) {
	s.addRow(reaction{Kind: kind, Trigger: trigger, Action: action, order: order}, d)
}

// addSpan adds a sample to a row marked Span.
func (s *sampleSet) addSpan(order int, kind, trigger, action string, d time.Duration) {
	s.addRow(reaction{Kind: kind, Trigger: trigger, Action: action, Span: true, order: order}, d)
}

func (s *sampleSet) addRow(k reaction, d time.Duration) {
	if s.samples == nil {
		s.samples = map[reaction][]float64{}
	}
	if _, ok := s.samples[k]; !ok {
		s.keys = append(s.keys, k)
	}
	s.samples[k] = append(s.samples[k], ms(d))
}

func analyseWave(timelines map[string][]obs, wave map[string]rolloutWave) waveAnalysis {
	var out waveAnalysis
	var all []float64
	byKind := map[string][]float64{}
	var reactions sampleSet
	var podsReady []float64
	writes := map[[3]string]int{}
	count := map[string]int{}
	for name, w := range wave {
		tl := timelines[name]
		count[w.kind]++
		r := newRolloutTimeline(tl, w)
		if r.healthy < 0 {
			out.NotHealthy++
		} else {
			d := secs(r.healthy - w.done)
			all = append(all, d)
			byKind[w.kind] = append(byKind[w.kind], d)
		}
		r.reactions(&reactions)
		podsReady = append(podsReady, r.podsReady()...)
		for key, n := range r.writesByStep() {
			writes[key] += n
		}
	}
	out.UpdateToHealthy = distOf(all)
	out.UpdateToHealthyByKind = map[string]dist{}
	for k, v := range byKind {
		out.UpdateToHealthyByKind[k] = distOf(v)
	}
	for _, k := range reactions.keys {
		k.Ms = distOf(reactions.samples[k])
		out.Reactions = append(out.Reactions, k)
	}
	sort.SliceStable(out.Reactions, func(i, j int) bool {
		a, b := out.Reactions[i], out.Reactions[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.order < b.order
	})
	out.PodsReady = distOf(podsReady)
	out.WatchLag, out.ImagePatch = watchLag(timelines, wave)
	for key, n := range writes {
		out.Writes = append(out.Writes, stepWrites{Kind: key[0], Step: key[1], Object: key[2], PerRollout: float64(n) / float64(count[key[0]])})
	}
	sort.Slice(out.Writes, func(i, j int) bool {
		a, b := out.Writes[i], out.Writes[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Step != b.Step {
			return stepOrder(a.Kind, a.Step) < stepOrder(b.Kind, b.Step)
		}
		return a.Object < b.Object
	})
	return out
}

// rolloutTimeline is one Rollout's observations from its patch on, with the
// times its steps were reached.
type rolloutTimeline struct {
	w       rolloutWave
	obs     []obs
	newHash string
	// reached[k] is when the status first showed step k (or later) for the new
	// ReplicaSet; len(steps) means all steps were done.
	reached []time.Duration
	healthy time.Duration
}

func newRolloutTimeline(tl []obs, w rolloutWave) *rolloutTimeline {
	r := &rolloutTimeline{w: w, healthy: -1}
	for _, o := range tl {
		if o.At >= w.sent {
			r.obs = append(r.obs, o)
		}
	}
	for _, o := range r.obs {
		if o.Kind == obsRS && o.Created && o.Hash != w.oldHash && r.newHash == "" {
			r.newHash = o.Hash
		}
	}
	steps := len(stepsOf(w.kind))
	r.reached = make([]time.Duration, steps+1)
	for i := range r.reached {
		r.reached[i] = -1
	}
	for _, o := range r.obs {
		if o.Kind != obsRollout || o.PodHash != r.newHash || r.newHash == "" {
			continue
		}
		for k := 0; k <= min(o.Step, steps); k++ {
			if r.reached[k] < 0 {
				r.reached[k] = o.At
			}
		}
		if r.healthy < 0 && o.Phase == string(v1alpha1.RolloutPhaseHealthy) && o.Stable == o.PodHash && o.ObsGen == o.Gen {
			r.healthy = o.At
		}
	}
	return r
}

// reactions adds this Rollout's event → action latencies.
func (r *rolloutTimeline) reactions(s *sampleSet) {
	kind := r.w.kind
	if at := r.first(func(o obs) bool { return o.Kind == obsRS && o.Created && o.Hash == r.newHash }); at >= 0 {
		s.add(-1, kind, "image changed", "new ReplicaSet created", at-r.w.done)
	}
	for k, step := range stepsOf(kind) {
		begun, done := r.reached[k], r.reached[k+1]
		if begun < 0 || done < 0 {
			continue
		}
		label := stepLabel(kind, k)
		switch {
		case step.SetWeight != nil:
			if trigger := r.stepTrigger(begun, done); trigger >= 0 {
				s.add(k, kind, "ReplicaSet status ("+label+")", "step complete", done-trigger)
			}
		case step.Pause != nil:
			r.pauseEnd(s, k, label)
		case step.Analysis != nil:
			if end := r.first(func(o obs) bool { return o.Kind == obsRun && v1alpha1.AnalysisPhase(o.RunPhase).Completed() }); end >= 0 {
				// The reaction is the next step's first write (its scale-up);
				// the status that records the step follows in the same sync.
				if next := r.first(func(o obs) bool { return o.At >= end && o.Write && o.Kind != obsRun }); next >= 0 {
					s.add(k, kind, "AnalysisRun Successful", "next write", next-end)
				}
				s.add(k, kind, "AnalysisRun Successful", "step complete", done-end)
			}
		}
	}
	if last := r.reached[len(r.reached)-1]; last >= 0 && r.healthy >= 0 {
		// The stable Service may switch in the sync that records the last
		// step, so its slices can move before that status arrives. When
		// they do, the promotion waited for the EndpointSlice controller
		// and its own reaction is the endpoints row.
		if r.stableEndpointsMoved(s, r.w.done) {
			s.addSpan(100, kind, "last step complete", "Healthy (promotion, after the EndpointSlice controller)", r.healthy-last)
		} else {
			s.add(100, kind, "last step complete", "Healthy (promotion)", r.healthy-last)
		}
	}
}

// stepTrigger finds the event a setWeight step's completion reacted to: the
// last ReplicaSet status change (kube-controller-manager's write: pods became
// available, or went away) after the step's last ReplicaSet write and before
// the status showed the step complete. Which status the controller waits for
// (the canary's pods only, or also the stable side's shrinking) is its
// business; the last change before it moved on is what woke it. The step's
// first write comes in the same sync that first shows the step, just before
// the status, so it may arrive a little earlier than the step.
func (r *rolloutTimeline) stepTrigger(begun, done time.Duration) time.Duration {
	scaled := time.Duration(-1)
	for _, o := range r.obs {
		if o.At > done {
			break
		}
		if o.Kind == obsRS && o.Write && o.At >= begun-500*time.Millisecond {
			scaled = o.At
		}
	}
	if scaled < 0 {
		return -1 // nothing to wait for: the pods were there when the step began
	}
	trigger := time.Duration(-1)
	for _, o := range r.obs {
		if o.At > done {
			break
		}
		if o.Kind == obsRS && !o.Write && o.At >= scaled {
			trigger = o.At
		}
	}
	return trigger
}

// pauseEnd measures from when the pause should end (its first status with the
// pause condition + the duration) to the controller's first write that moves
// on: a status past the pause, or a write to any other object (an
// AnalysisRun's own status writes aside). Negative means the pause ended early.
func (r *rolloutTimeline) pauseEnd(s *sampleSet, k int, label string) {
	start := r.first(func(o obs) bool { return o.Kind == obsRollout && o.PodHash == r.newHash && o.Step == k && o.Paused })
	if start < 0 {
		return
	}
	deadline := start + pauseDuration
	for _, o := range r.obs {
		if o.At <= start || !o.Write || (o.Kind == obsRun && !o.Created) {
			continue
		}
		if o.Kind != obsRollout || o.Step != k || !o.Paused {
			s.add(k, r.w.kind, label+" ended", "next write", o.At-deadline)
			return
		}
	}
}

// podsReady lists, for every ReplicaSet scale-up the controller wrote, how
// long until all the pods were available: the cluster's share of the wave.
func (r *rolloutTimeline) podsReady() []float64 {
	var out []float64
	spec := map[string]int32{}
	since := map[string]time.Duration{}
	for _, o := range r.obs {
		if o.Kind != obsRS {
			continue
		}
		// A ReplicaSet first seen in the wave is the old stable one unless the
		// controller just created it (at 0).
		if prev, seen := spec[o.Hash]; (seen || o.Created) && o.Write && o.Replicas > prev {
			since[o.Hash] = o.At
		}
		spec[o.Hash] = o.Replicas
		if t, ok := since[o.Hash]; ok && o.Full {
			out = append(out, ms(o.At-t))
			delete(since, o.Hash)
		}
	}
	return out
}

// writesByStep counts the controller's writes by (kind, step, object). A
// Rollout status write belongs to the step it leaves; other writes to the
// step the status showed when they arrived.
func (r *rolloutTimeline) writesByStep() map[[3]string]int {
	out := map[[3]string]int{}
	step := "start"
	for _, o := range r.obs {
		if o.Write {
			object := o.Kind
			if o.Kind == obsRun && !o.Created {
				object = "analysisrun status"
			}
			out[[3]string{r.w.kind, step, object}]++
		}
		if o.Kind == obsRollout && o.PodHash == r.newHash && r.newHash != "" {
			switch {
			case r.healthy >= 0 && o.At >= r.healthy:
				step = "after Healthy"
			default:
				step = stepLabel(r.w.kind, o.Step)
			}
		}
	}
	return out
}

// first is the time of the first observation matching f, or -1.
func (r *rolloutTimeline) first(f func(obs) bool) time.Duration {
	for _, o := range r.obs {
		if f(o) {
			return o.At
		}
	}
	return -1
}

// stepOrder sorts step labels in the order a Rollout goes through them.
func stepOrder(kind, label string) int {
	switch label {
	case "start":
		return -1
	case "promotion":
		return 100
	case "after Healthy":
		return 101
	}
	for i := range stepsOf(kind) {
		if stepLabel(kind, i) == label {
			return i
		}
	}
	return 50
}
