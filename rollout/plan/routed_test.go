package plan

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/traffic"
)

// These tests plan one reconcile of a routed canary (an Istio router) moving
// from the stable ReplicaSet ro-a (hash "a", revision 1) to ro-b ("b",
// revision 2), and assert its outcome: replica counts, the traffic the router
// must carry, the step reached, the Services and the scale-down of the old side.

var routedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// rsAt is a ReplicaSet's spec.replicas and its available pods.
type rsAt struct{ replicas, available int32 }

// routedInput is a routed canary at status.currentStepIndex step, with both
// Services on the stable ReplicaSet (the canary Service on ro-b once it has an
// available pod) and no weights recorded yet. opts adjust it.
func routedInput(replicas int32, steps []v1alpha1.CanaryStep, step int32, stable, canary rsAt, opts ...func(*Input)) Input {
	c := &v1alpha1.CanaryStrategy{
		StableService: "stable", CanaryService: "canary", Steps: steps,
		TrafficRouting: &v1alpha1.RolloutTrafficRouting{
			ManagedRoutes: []v1alpha1.MangedRoutes{{Name: "mirror-1"}, {Name: "header-1"}, {Name: "header-2"}},
			Istio:         &v1alpha1.IstioTrafficRouting{VirtualService: &v1alpha1.IstioVirtualService{Name: "vs"}},
		},
	}
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: &replicas, Strategy: v1alpha1.RolloutStrategy{Canary: c}}}
	v1alpha1.SetRolloutDefaults(ro)
	ro.Status = v1alpha1.RolloutStatus{StableRS: "a", CurrentPodHash: "b", CurrentStepHash: StepsHash(steps), CurrentStepIndex: &step}
	in := Input{Rollout: ro, Stable: routedRS("a", 1, stable), New: routedRS("b", 2, canary), Now: routedNow,
		StableService: &Service{Name: "stable", SelectedHash: "a", Settled: true},
		CanaryService: &Service{Name: "canary", SelectedHash: "a", Settled: true}}
	if canary.available > 0 {
		in.CanaryService.SelectedHash = "b"
	}
	for _, o := range opts {
		o(&in)
	}
	return in
}

func routedRS(hash string, revision int64, at rsAt) *ReplicaSet {
	return &ReplicaSet{Name: "ro-" + hash, Hash: hash, Revision: revision, Replicas: at.replicas, Pods: at.replicas,
		Ready: at.available, Available: at.available, Synced: true}
}

// accepted records that the router carries weight toward ro-b, stable ro-a.
func accepted(weight int32) func(*Input) { return acceptedOn(weight, "a", "b") }

// acceptedOn records that the router carries weight with the given hashes.
func acceptedOn(weight int32, stableHash, canaryHash string) func(*Input) {
	return func(in *Input) {
		in.Rollout.Status.Canary.Weights = &v1alpha1.TrafficWeights{
			Canary:   v1alpha1.WeightDestination{Weight: weight, ServiceName: "canary", PodTemplateHash: canaryHash},
			Stable:   v1alpha1.WeightDestination{Weight: 100 - weight, ServiceName: "stable", PodTemplateHash: stableHash},
			Verified: ptr(true),
		}
	}
}

// unverified records weights the router has not reported as taking effect.
func unverified(weight int32) func(*Input) {
	return func(in *Input) {
		accepted(weight)(in)
		in.Rollout.Status.Canary.Weights.Verified = ptr(false)
	}
}

func withCanary(change func(*v1alpha1.CanaryStrategy)) func(*Input) {
	return func(in *Input) { change(in.Rollout.Spec.Strategy.Canary) }
}

func withStatus(change func(*v1alpha1.RolloutStatus)) func(*Input) {
	return func(in *Input) { change(&in.Rollout.Status) }
}

// stableServiceOn puts the stable Service on hash, its EndpointSlices caught up or not.
func stableServiceOn(hash string, settled bool) func(*Input) {
	return func(in *Input) { in.StableService.SelectedHash, in.StableService.Settled = hash, settled }
}

func dynamicStableScale(c *v1alpha1.CanaryStrategy) { c.DynamicStableScale = true }

func minPods(n int32) func(*v1alpha1.CanaryStrategy) {
	return func(c *v1alpha1.CanaryStrategy) { c.MinPodsPerReplicaSet = &n }
}

func canaryScale(s v1alpha1.SetCanaryScale) v1alpha1.CanaryStep {
	return v1alpha1.CanaryStep{SetCanaryScale: &s}
}

func headerRoute(name string, match ...v1alpha1.HeaderRoutingMatch) v1alpha1.CanaryStep {
	return v1alpha1.CanaryStep{SetHeaderRoute: &v1alpha1.SetHeaderRoute{Name: name, Match: match}}
}

func mirrorRoute(name string, match ...v1alpha1.RouteMatch) v1alpha1.CanaryStep {
	return v1alpha1.CanaryStep{SetMirrorRoute: &v1alpha1.SetMirrorRoute{Name: name, Match: match}}
}

func steps(s ...v1alpha1.CanaryStep) []v1alpha1.CanaryStep { return s }

// replicasOf is the spec.replicas a plan wants for a ReplicaSet of the input.
func replicasOf(in Input, p Plan, rs *ReplicaSet) int32 {
	if n, ok := p.Replicas[rs.Name]; ok {
		return n
	}
	return rs.Replicas
}

// carried is a plan's Traffic without its routes ("" hashes and weight -1 when nil).
type carried struct {
	Weight         int32
	Stable, Canary string
}

func trafficOf(p Plan) carried {
	if p.Traffic == nil {
		return carried{Weight: -1}
	}
	return carried{p.Traffic.CanaryWeight, p.Traffic.StableHash, p.Traffic.CanaryHash}
}

// routeNames lists a plan's managed routes as "header:NAME" and "mirror:NAME".
func routeNames(p Plan) []string {
	var out []string
	if p.Traffic == nil {
		return nil
	}
	for _, h := range p.Traffic.HeaderRoutes {
		out = append(out, "header:"+h.Name)
	}
	for _, m := range p.Traffic.MirrorRoutes {
		out = append(out, "mirror:"+m.Name)
	}
	return out
}

func TestRoutedReplicaCounts(t *testing.T) {
	type want struct {
		Canary, Stable, Weight int32
	}
	tests := []struct {
		name           string
		replicas       int32
		steps          []v1alpha1.CanaryStep
		step           int32
		stable, canary rsAt
		opts           []func(*Input)
		want           want
	}{
		{name: "ceil: 33% of 10 is 4 canary pods, stable stays full; no weight before they are available",
			replicas: 10, steps: steps(weight(33), pauseForever()), stable: rsAt{10, 10},
			want: want{Canary: 4, Stable: 10, Weight: 0}},
		{name: "ceil: 1% of 3 is 1 pod",
			replicas: 3, steps: steps(weight(1), pauseForever()), stable: rsAt{3, 3},
			want: want{Canary: 1, Stable: 3, Weight: 0}},
		{name: "the weight moves once the canary pods are available",
			replicas: 10, steps: steps(weight(33), pauseForever()), stable: rsAt{10, 10}, canary: rsAt{4, 4},
			want: want{Canary: 4, Stable: 10, Weight: 33}},
		{name: "weight 100: all replicas on the canary and the stable side still at full size",
			replicas: 4, steps: steps(weight(100), pauseForever()), stable: rsAt{4, 4}, canary: rsAt{4, 4}, opts: opts(accepted(100)),
			want: want{Canary: 4, Stable: 4, Weight: 100}},
		{name: "dynamicStableScale: stable stays full until the router carries the weight",
			replicas: 10, steps: steps(weight(30), pauseForever()), stable: rsAt{10, 10}, canary: rsAt{3, 3},
			opts: opts(withCanary(dynamicStableScale)),
			want: want{Canary: 3, Stable: 10, Weight: 30}},
		{name: "dynamicStableScale: then shrinks to its share",
			replicas: 10, steps: steps(weight(30), pauseForever()), stable: rsAt{10, 10}, canary: rsAt{3, 3},
			opts: opts(withCanary(dynamicStableScale), accepted(30)),
			want: want{Canary: 3, Stable: 7, Weight: 30}},
		{name: "dynamicStableScale: both shares round up",
			replicas: 10, steps: steps(weight(25), pauseForever()), stable: rsAt{10, 10}, canary: rsAt{3, 3},
			opts: opts(withCanary(dynamicStableScale), accepted(25)),
			want: want{Canary: 3, Stable: 8, Weight: 25}},
		{name: "dynamicStableScale at weight 100 keeps one stable pod: the stable Service selects it",
			replicas: 4, steps: steps(weight(100), pauseForever()), stable: rsAt{4, 4}, canary: rsAt{4, 4},
			opts: opts(withCanary(dynamicStableScale), accepted(100)),
			want: want{Canary: 4, Stable: 1, Weight: 100}},
		{name: "minPodsPerReplicaSet raises a small canary",
			replicas: 10, steps: steps(weight(10), pauseForever()), stable: rsAt{10, 10},
			opts: opts(withCanary(minPods(3))),
			want: want{Canary: 3, Stable: 10, Weight: 0}},
		{name: "minPodsPerReplicaSet is capped at replicas",
			replicas: 2, steps: steps(weight(10), pauseForever()), stable: rsAt{2, 2},
			opts: opts(withCanary(minPods(5))),
			want: want{Canary: 2, Stable: 2, Weight: 0}},
		{name: "minPodsPerReplicaSet gives no pods to a canary without a share",
			replicas: 10, steps: steps(pauseForever()), stable: rsAt{10, 10},
			opts: opts(withCanary(minPods(3))),
			want: want{Canary: 0, Stable: 10, Weight: 0}},
		{name: "minPodsPerReplicaSet raises the dynamic stable share",
			replicas: 10, steps: steps(weight(90), pauseForever()), stable: rsAt{10, 10}, canary: rsAt{9, 9},
			opts: opts(withCanary(dynamicStableScale), withCanary(minPods(3)), accepted(90)),
			want: want{Canary: 9, Stable: 3, Weight: 90}},
		{name: "setCanaryScale replicas sizes the canary apart from the weight",
			replicas: 10, steps: steps(canaryScale(v1alpha1.SetCanaryScale{Replicas: ptr(int32(2))}), weight(50), pauseForever()), stable: rsAt{10, 10},
			want: want{Canary: 2, Stable: 10, Weight: 0}},
		{name: "setCanaryScale replicas: the weight moves once those pods are available",
			replicas: 10, steps: steps(canaryScale(v1alpha1.SetCanaryScale{Replicas: ptr(int32(1))}), weight(50), pauseForever()), step: 1,
			stable: rsAt{10, 10}, canary: rsAt{1, 1},
			want: want{Canary: 1, Stable: 10, Weight: 50}},
		{name: "setCanaryScale replicas is capped at spec.replicas",
			replicas: 10, steps: steps(canaryScale(v1alpha1.SetCanaryScale{Replicas: ptr(int32(20))}), pauseForever()), stable: rsAt{10, 10},
			want: want{Canary: 10, Stable: 10, Weight: 0}},
		{name: "setCanaryScale weight runs pods without traffic",
			replicas: 10, steps: steps(canaryScale(v1alpha1.SetCanaryScale{Weight: ptr(int32(25))}), pauseForever()), stable: rsAt{10, 10},
			want: want{Canary: 3, Stable: 10, Weight: 0}},
		{name: "setCanaryScale weight runs at least minPodsPerReplicaSet",
			replicas: 10, steps: steps(canaryScale(v1alpha1.SetCanaryScale{Weight: ptr(int32(25))}), pauseForever()), stable: rsAt{10, 10},
			opts: opts(withCanary(minPods(5))),
			want: want{Canary: 5, Stable: 10, Weight: 0}},
		{name: "setCanaryScale matchTrafficWeight returns to sizing by the weight",
			replicas: 10, steps: steps(canaryScale(v1alpha1.SetCanaryScale{Replicas: ptr(int32(5))}), weight(20),
				canaryScale(v1alpha1.SetCanaryScale{MatchTrafficWeight: true}), pauseForever()), step: 3,
			stable: rsAt{10, 10}, canary: rsAt{5, 5}, opts: opts(accepted(20)),
			want: want{Canary: 2, Stable: 10, Weight: 20}},
		{name: "setCanaryScale replicas 0: no weight toward a canary without pods",
			replicas: 10, steps: steps(canaryScale(v1alpha1.SetCanaryScale{Replicas: ptr(int32(0))}), weight(50)), step: 1, stable: rsAt{10, 10},
			want: want{Canary: 0, Stable: 10, Weight: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := routedInput(tt.replicas, tt.steps, tt.step, tt.stable, tt.canary, tt.opts...)
			p := Canary(in)
			got := want{Canary: replicasOf(in, p, in.New), Stable: replicasOf(in, p, in.Stable), Weight: trafficOf(p).Weight}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if tr := trafficOf(p); tr.Stable != "a" || tr.Canary != "b" {
				t.Errorf("traffic hashes stable %q canary %q, want a and b", tr.Stable, tr.Canary)
			}
		})
	}
}

func opts(o ...func(*Input)) []func(*Input) { return o }

// TestRoutedStepCompletion: a setWeight step completes once the router carries
// its weight — as status.canary.weights says (verified, with the stable side on
// the stable ReplicaSet), or as this reconcile asks when no side has to shrink
// for it (the status is written only after the router accepted) — and the
// ReplicaSets reached their counts.
func TestRoutedStepCompletion(t *testing.T) {
	type want struct {
		Step    int32
		Traffic carried
		Canary  int32
		Paused  bool
	}
	asked := carried{20, "a", "b"}
	tests := []struct {
		name           string
		steps          []v1alpha1.CanaryStep
		stable, canary rsAt
		opts           []func(*Input)
		want           want
	}{
		{name: "weight asked for, nothing recorded yet: completes with the weight this reconcile asks for",
			stable: rsAt{10, 10}, canary: rsAt{2, 2},
			want: want{Step: 1, Traffic: asked, Canary: 2, Paused: true}},
		{name: "router carries the weight and the counts are reached",
			stable: rsAt{10, 10}, canary: rsAt{2, 2}, opts: opts(accepted(20)),
			want: want{Step: 1, Traffic: asked, Canary: 2, Paused: true}},
		{name: "weights recorded but not verified: completes with the weight this reconcile asks for",
			stable: rsAt{10, 10}, canary: rsAt{2, 2}, opts: opts(unverified(20)),
			want: want{Step: 1, Traffic: asked, Canary: 2, Paused: true}},
		{name: "weights verified with the stable side on another ReplicaSet: completes with the weight this reconcile asks for",
			stable: rsAt{10, 10}, canary: rsAt{2, 2}, opts: opts(acceptedOn(20, "x", "b")),
			want: want{Step: 1, Traffic: asked, Canary: 2, Paused: true}},
		{name: "router carries an earlier weight: completes with the weight this reconcile asks for",
			stable: rsAt{10, 10}, canary: rsAt{2, 2}, opts: opts(accepted(10)),
			want: want{Step: 1, Traffic: asked, Canary: 2, Paused: true}},
		{name: "dynamicStableScale: the stable side shrinks for the weight, so the step waits for the router",
			stable: rsAt{10, 10}, canary: rsAt{2, 2}, opts: opts(withCanary(dynamicStableScale)),
			want: want{Step: 0, Traffic: asked, Canary: 2}},
		{name: "canary not all available",
			stable: rsAt{10, 10}, canary: rsAt{2, 1}, opts: opts(accepted(20)),
			want: want{Step: 0, Traffic: asked, Canary: 2}},
		{name: "canary status not synced",
			stable: rsAt{10, 10}, canary: rsAt{2, 2}, opts: opts(accepted(20), func(in *Input) { in.New.Synced = false }),
			want: want{Step: 0, Traffic: asked, Canary: 2}},
		{name: "stable side below full size",
			stable: rsAt{10, 9}, canary: rsAt{2, 2}, opts: opts(accepted(20)),
			want: want{Step: 0, Traffic: asked, Canary: 2}},
		{name: "canary above its count shrinks first",
			stable: rsAt{10, 10}, canary: rsAt{3, 3}, opts: opts(accepted(20)),
			want: want{Step: 0, Traffic: asked, Canary: 2}},
		{name: "an old ReplicaSet still has pods",
			stable: rsAt{10, 10}, canary: rsAt{2, 2}, opts: opts(accepted(20), func(in *Input) {
				in.Others = []*ReplicaSet{routedRS("z", 0, rsAt{1, 1})}
			}),
			want: want{Step: 0, Traffic: asked, Canary: 2}},
		{name: "an old ReplicaSet inside its scale-down delay does not hold the step",
			stable: rsAt{10, 10}, canary: rsAt{2, 2}, opts: opts(accepted(20), func(in *Input) {
				z := routedRS("z", 0, rsAt{1, 1})
				z.ScaleDownAt = ptr(routedNow.Add(time.Minute))
				in.Others = []*ReplicaSet{z}
			}),
			want: want{Step: 1, Traffic: asked, Canary: 2, Paused: true}},
		{name: "steps that need nothing complete in the same reconcile",
			steps:  steps(weight(20), canaryScale(v1alpha1.SetCanaryScale{MatchTrafficWeight: true}), headerRoute("header-1"), pauseForever()),
			stable: rsAt{10, 10}, canary: rsAt{2, 2}, opts: opts(accepted(20)),
			want: want{Step: 3, Traffic: asked, Canary: 2, Paused: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.steps
			if s == nil {
				s = steps(weight(20), pauseForever())
			}
			in := routedInput(10, s, 0, tt.stable, tt.canary, tt.opts...)
			p := Canary(in)
			got := want{Step: idx(p.Status.CurrentStepIndex), Traffic: trafficOf(p), Canary: replicasOf(in, p, in.New),
				Paused: len(p.Status.PauseConditions) > 0}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestRoutedWeightOnlyTowardAvailablePods: the router is never asked for a
// weight above 0 toward a canary ReplicaSet without available pods (SPEC §2.7
// rule 1), whatever it carried before.
func TestRoutedWeightOnlyTowardAvailablePods(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want carried
	}{
		{name: "canary not started",
			in:   routedInput(10, steps(weight(50), pauseForever()), 0, rsAt{10, 10}, rsAt{0, 0}),
			want: carried{0, "a", "b"}},
		{name: "canary partly available",
			in:   routedInput(10, steps(weight(50), pauseForever()), 0, rsAt{10, 10}, rsAt{5, 4}),
			want: carried{0, "a", "b"}},
		{name: "canary lost its pods after the weight moved",
			in:   routedInput(10, steps(weight(50), pauseForever()), 1, rsAt{10, 10}, rsAt{5, 0}, accepted(50)),
			want: carried{0, "a", "b"}},
		{name: "a new template supersedes a canary that holds weight",
			in: routedInput(10, steps(weight(50), pauseForever()), 1, rsAt{10, 10}, rsAt{5, 5}, accepted(50), func(in *Input) {
				in.Others = []*ReplicaSet{in.New}
				in.New = routedRS("c", 3, rsAt{0, 0})
			}),
			// The canary side stays on b while its weight goes: moving a subset to c first
			// would send b's weight to c's missing pods until the router's next write.
			want: carried{0, "a", "b"}},
		{name: "a fast rollback to a ReplicaSet without pods while a canary holds weight",
			in: routedInput(10, steps(weight(50), pauseForever()), 1, rsAt{10, 10}, rsAt{5, 5}, accepted(50), func(in *Input) {
				in.Rollout.Spec.RollbackWindow = &v1alpha1.RollbackWindowSpec{Revisions: 3}
				in.Stable.Revision = 5
				in.New.Revision = 6
				in.Others = []*ReplicaSet{in.New}
				in.New = routedRS("o", 4, rsAt{0, 0})
			}),
			want: carried{0, "a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Canary(tt.in)
			if diff := cmp.Diff(tt.want, trafficOf(p)); diff != "" {
				t.Errorf("traffic (-want +got):\n%s", diff)
			}
			if idx(p.Status.CurrentStepIndex) > idx(tt.in.Rollout.Status.CurrentStepIndex) {
				t.Errorf("step advanced to %d", idx(p.Status.CurrentStepIndex))
			}
		})
	}
}

// TestRoutedWeightDecrease: a lower weight moves traffic first and shrinks the
// canary only once the router carries it.
func TestRoutedWeightDecrease(t *testing.T) {
	type want struct {
		Traffic        carried
		Canary, Stable int32
		Step           int32
	}
	s := steps(weight(50), weight(20), pauseForever())
	tests := []struct {
		name string
		in   Input
		want want
	}{
		{name: "traffic moves down while the canary keeps its pods",
			in:   routedInput(10, s, 1, rsAt{10, 10}, rsAt{5, 5}, accepted(50)),
			want: want{Traffic: carried{20, "a", "b"}, Canary: 5, Stable: 10, Step: 1}},
		{name: "then the canary shrinks",
			in:   routedInput(10, s, 1, rsAt{10, 10}, rsAt{5, 5}, accepted(20)),
			want: want{Traffic: carried{20, "a", "b"}, Canary: 2, Stable: 10, Step: 1}},
		{name: "and the step completes at the smaller size",
			in:   routedInput(10, s, 1, rsAt{10, 10}, rsAt{2, 2}, accepted(20)),
			want: want{Traffic: carried{20, "a", "b"}, Canary: 2, Stable: 10, Step: 2}},
		{name: "dynamicStableScale: the stable side grows for the lower weight at once, traffic waits for it",
			in:   routedInput(10, s, 1, rsAt{5, 5}, rsAt{5, 5}, accepted(50), withCanary(dynamicStableScale)),
			want: want{Traffic: carried{50, "a", "b"}, Canary: 5, Stable: 8, Step: 1}},
		{name: "dynamicStableScale: traffic follows the stable pods as they come",
			in:   routedInput(10, s, 1, rsAt{8, 7}, rsAt{5, 5}, accepted(50), withCanary(dynamicStableScale)),
			want: want{Traffic: carried{30, "a", "b"}, Canary: 5, Stable: 8, Step: 1}},
		{name: "dynamicStableScale: the lower weight once the stable side can carry it",
			in:   routedInput(10, s, 1, rsAt{8, 8}, rsAt{5, 5}, accepted(30), withCanary(dynamicStableScale)),
			want: want{Traffic: carried{20, "a", "b"}, Canary: 3, Stable: 8, Step: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Canary(tt.in)
			got := want{Traffic: trafficOf(p), Canary: replicasOf(tt.in, p, tt.in.New), Stable: replicasOf(tt.in, p, tt.in.Stable),
				Step: idx(p.Status.CurrentStepIndex)}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestRoutedPromotion walks the promotion after the last step: the new
// ReplicaSet grows to full size → the stable Service moves to it and its
// EndpointSlices show it → weight 0 with both sides on the new hash, and in the
// same reconcile the new ReplicaSet is stable and the old one goes after
// scaleDownDelaySeconds (without a delay, once the router carries weight 0).
func TestRoutedPromotion(t *testing.T) {
	type want struct {
		Canary, Stable int32
		Traffic        carried
		Routes         []string
		StableService  string
		StableRS       string
		// ScaleDownIn is ro-a's scale-down deadline from now (0: none recorded).
		ScaleDownIn time.Duration
		Requeue     time.Duration
		Completed   bool
	}
	s := steps(headerRoute("header-1", v1alpha1.HeaderRoutingMatch{HeaderName: "x", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}), weight(50))
	past := int32(len(s))
	tests := []struct {
		name string
		in   Input
		want want
	}{
		{name: "the new ReplicaSet grows to full size; traffic and Services stay; routes go",
			in:   routedInput(10, s, past, rsAt{10, 10}, rsAt{5, 5}, accepted(50)),
			want: want{Canary: 10, Stable: 10, Traffic: carried{50, "a", "b"}, StableService: "a", StableRS: "a"}},
		{name: "full: the stable Service moves to it",
			in:   routedInput(10, s, past, rsAt{10, 10}, rsAt{10, 10}, accepted(50)),
			want: want{Canary: 10, Stable: 10, Traffic: carried{50, "a", "b"}, StableService: "b", StableRS: "a", Requeue: endpointCheckInterval}},
		{name: "waits for the stable Service's EndpointSlices",
			in:   routedInput(10, s, past, rsAt{10, 10}, rsAt{10, 10}, accepted(50), stableServiceOn("b", false)),
			want: want{Canary: 10, Stable: 10, Traffic: carried{50, "a", "b"}, StableService: "b", StableRS: "a", Requeue: endpointCheckInterval}},
		{name: "switch settled: weight back to 0, both sides the new pods, promoted with it (the old side stays 30s)",
			in: routedInput(10, s, past, rsAt{10, 10}, rsAt{10, 10}, accepted(50), stableServiceOn("b", true)),
			want: want{Canary: 10, Stable: 10, Traffic: carried{0, "b", "b"}, StableService: "b", StableRS: "b",
				ScaleDownIn: 30 * time.Second, Requeue: 30 * time.Second, Completed: true}},
		{name: "weight 0 recorded with the stable side still on the old pods: both sides move, promoted with it",
			in: routedInput(10, s, past, rsAt{10, 10}, rsAt{10, 10}, acceptedOn(0, "a", "b"), stableServiceOn("b", true)),
			want: want{Canary: 10, Stable: 10, Traffic: carried{0, "b", "b"}, StableService: "b", StableRS: "b",
				ScaleDownIn: 30 * time.Second, Requeue: 30 * time.Second, Completed: true}},
		{name: "scaleDownDelaySeconds 0: the old side goes at promotion, so only once the router carries weight 0",
			in: routedInput(10, s, past, rsAt{10, 10}, rsAt{10, 10}, accepted(50), stableServiceOn("b", true),
				withCanary(func(c *v1alpha1.CanaryStrategy) { c.ScaleDownDelaySeconds = ptr(int32(0)) })),
			want: want{Canary: 10, Stable: 10, Traffic: carried{0, "b", "b"}, StableService: "b", StableRS: "a"}},
		{name: "router carries it: the new ReplicaSet is stable, the old one goes in 30s",
			in: routedInput(10, s, past, rsAt{10, 10}, rsAt{10, 10}, acceptedOn(0, "b", "b"), stableServiceOn("b", true)),
			want: want{Canary: 10, Stable: 10, Traffic: carried{0, "b", "b"}, StableService: "b", StableRS: "b",
				ScaleDownIn: 30 * time.Second, Requeue: 30 * time.Second, Completed: true}},
		{name: "scaleDownDelaySeconds 60",
			in: routedInput(10, s, past, rsAt{10, 10}, rsAt{10, 10}, acceptedOn(0, "b", "b"), stableServiceOn("b", true),
				withCanary(func(c *v1alpha1.CanaryStrategy) { c.ScaleDownDelaySeconds = ptr(int32(60)) })),
			want: want{Canary: 10, Stable: 10, Traffic: carried{0, "b", "b"}, StableService: "b", StableRS: "b",
				ScaleDownIn: time.Minute, Requeue: time.Minute, Completed: true}},
		{name: "scaleDownDelaySeconds 0: the old ReplicaSet goes at once",
			in: routedInput(10, s, past, rsAt{10, 10}, rsAt{10, 10}, acceptedOn(0, "b", "b"), stableServiceOn("b", true),
				withCanary(func(c *v1alpha1.CanaryStrategy) { c.ScaleDownDelaySeconds = ptr(int32(0)) })),
			want: want{Canary: 10, Stable: 0, Traffic: carried{0, "b", "b"}, StableService: "b", StableRS: "b", Completed: true}},
		{name: "promoteFull skips the remaining steps",
			in: routedInput(10, steps(weight(20), pauseForever(), weight(50), pauseForever()), 1, rsAt{10, 10}, rsAt{2, 2}, accepted(20),
				withStatus(func(s *v1alpha1.RolloutStatus) {
					s.PromoteFull = true
					s.PauseConditions = []v1alpha1.PauseCondition{{Reason: v1alpha1.PauseReasonCanaryPauseStep, StartTime: metav1.NewTime(routedNow)}}
					s.ControllerPause = true
				})),
			want: want{Canary: 10, Stable: 10, Traffic: carried{20, "a", "b"}, StableService: "a", StableRS: "a"}},
		{name: "dynamicStableScale: the stable side keeps the share of the weight it still carries",
			in:   routedInput(10, s, past, rsAt{5, 5}, rsAt{5, 5}, accepted(50), withCanary(dynamicStableScale)),
			want: want{Canary: 10, Stable: 5, Traffic: carried{50, "a", "b"}, StableService: "a", StableRS: "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Canary(tt.in)
			got := want{Canary: replicasOf(tt.in, p, tt.in.New), Stable: replicasOf(tt.in, p, tt.in.Stable), Traffic: trafficOf(p),
				Routes: routeNames(p), StableService: p.StableServiceHash, StableRS: p.Status.StableRS, Requeue: p.RequeueAfter}
			if at, ok := p.ScaleDownAt["ro-a"]; ok {
				got.ScaleDownIn = at.Sub(routedNow)
			}
			for _, e := range p.Events {
				got.Completed = got.Completed || e.Reason == "RolloutCompleted"
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestRoutedAbort: traffic goes back to stable at once; the canary keeps its
// pods until abortScaleDownDelaySeconds after status.abortedAt (0 keeps them).
func TestRoutedAbort(t *testing.T) {
	type want struct {
		Canary, Stable int32
		Traffic        carried
		Routes         []string
		Step           int32
		Services       [2]string
		AbortedAgo     time.Duration
		Requeue        time.Duration
	}
	s := steps(headerRoute("header-1", v1alpha1.HeaderRoutingMatch{HeaderName: "x", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}),
		weight(50), pauseForever())
	abortedAgo := func(d time.Duration) func(*Input) {
		return withStatus(func(s *v1alpha1.RolloutStatus) {
			s.Abort = true
			if d >= 0 {
				s.AbortedAt = ptr(metav1.NewTime(routedNow.Add(-d)))
			}
		})
	}
	back := carried{0, "a", "a"}
	canaryServiceOnStable := func(in *Input) { in.CanaryService.SelectedHash = "a" }
	tests := []struct {
		name string
		opts []func(*Input)
		want want
	}{
		{name: "abort: weight 0 and both Services on stable at once, canary kept",
			opts: opts(accepted(50), abortedAgo(-1)),
			want: want{Canary: 5, Stable: 10, Traffic: back, Services: [2]string{"a", "a"}, Requeue: 30 * time.Second}},
		{name: "10s into the delay",
			opts: opts(acceptedOn(0, "a", "a"), abortedAgo(10*time.Second)),
			want: want{Canary: 5, Stable: 10, Traffic: back, Services: [2]string{"a", "a"}, AbortedAgo: 10 * time.Second, Requeue: 20 * time.Second}},
		{name: "after the delay the canary goes (the Services left it long ago)",
			opts: opts(acceptedOn(0, "a", "a"), abortedAgo(31*time.Second), canaryServiceOnStable),
			want: want{Canary: 0, Stable: 10, Traffic: back, Services: [2]string{"a", "a"}, AbortedAgo: 31 * time.Second}},
		{name: "after the delay, while the router still sends weight to the canary, it stays",
			opts: opts(accepted(50), abortedAgo(31*time.Second)),
			want: want{Canary: 5, Stable: 10, Traffic: back, Services: [2]string{"a", "a"}, AbortedAgo: 31 * time.Second}},
		{name: "abortScaleDownDelaySeconds 0 keeps the canary",
			opts: opts(acceptedOn(0, "a", "a"), abortedAgo(time.Hour), withCanary(func(c *v1alpha1.CanaryStrategy) { c.AbortScaleDownDelaySeconds = ptr(int32(0)) })),
			want: want{Canary: 5, Stable: 10, Traffic: back, Services: [2]string{"a", "a"}, AbortedAgo: time.Hour}},
		{name: "abortScaleDownDelaySeconds 5",
			opts: opts(acceptedOn(0, "a", "a"), abortedAgo(6*time.Second), canaryServiceOnStable, withCanary(func(c *v1alpha1.CanaryStrategy) { c.AbortScaleDownDelaySeconds = ptr(int32(5)) })),
			want: want{Canary: 0, Stable: 10, Traffic: back, Services: [2]string{"a", "a"}, AbortedAgo: 6 * time.Second}},
		{name: "dynamicStableScale: the stable side returns to full size",
			opts: opts(accepted(50), abortedAgo(-1), withCanary(dynamicStableScale), func(in *Input) { in.Stable.Replicas = 5 }),
			want: want{Canary: 5, Stable: 10, Traffic: back, Services: [2]string{"a", "a"}, Requeue: 30 * time.Second}},
		{name: "after the delay the canary stays while the canary Service leaves it in this reconcile",
			opts: opts(acceptedOn(0, "a", "a"), abortedAgo(31*time.Second)),
			want: want{Canary: 5, Stable: 10, Traffic: back, Services: [2]string{"a", "a"}, AbortedAgo: 31 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := routedInput(10, s, 2, rsAt{10, 10}, rsAt{5, 5}, tt.opts...)
			p := Canary(in)
			got := want{Canary: replicasOf(in, p, in.New), Stable: replicasOf(in, p, in.Stable), Traffic: trafficOf(p), Routes: routeNames(p),
				Step: idx(p.Status.CurrentStepIndex), Services: [2]string{p.StableServiceHash, p.CanaryServiceHash}, Requeue: p.RequeueAfter}
			if p.Status.AbortedAt == nil {
				t.Fatal("no abortedAt")
			}
			got.AbortedAgo = routedNow.Sub(p.Status.AbortedAt.Time)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestRoutedSteady: the first deploy and a steady Rollout route everything to
// the stable ReplicaSet (weight 0, both hashes the stable one), and a manual
// pause leaves the router alone.
func TestRoutedSteady(t *testing.T) {
	type want struct {
		Replicas map[string]int32
		Traffic  carried
		Routes   []string
		StableRS string
		Step     int32
	}
	s := steps(headerRoute("header-1", v1alpha1.HeaderRoutingMatch{HeaderName: "x", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}),
		weight(50), pauseForever())
	tests := []struct {
		name string
		in   Input
		want want
	}{
		{name: "first deploy",
			in: routedInput(10, s, 0, rsAt{}, rsAt{0, 0}, func(in *Input) {
				in.Stable = nil
				in.Rollout.Status = v1alpha1.RolloutStatus{}
				in.StableService.SelectedHash, in.CanaryService.SelectedHash = "", ""
			}),
			want: want{Replicas: map[string]int32{"ro-b": 10}, Traffic: carried{0, "b", "b"}, StableRS: "b", Step: 3}},
		{name: "steady, with the old ReplicaSet inside its scale-down delay",
			in: routedInput(10, s, 3, rsAt{10, 10}, rsAt{10, 10}, acceptedOn(0, "b", "b"), func(in *Input) {
				in.Rollout.Status.StableRS = "b"
				old := in.Stable
				old.ScaleDownAt = ptr(routedNow.Add(10 * time.Second))
				in.Stable, in.Others = in.New, []*ReplicaSet{old}
			}),
			want: want{Replicas: map[string]int32{}, Traffic: carried{0, "b", "b"}, StableRS: "b", Step: 3}},
		{name: "manual pause: no traffic change",
			in: routedInput(10, s, 2, rsAt{10, 10}, rsAt{5, 5}, accepted(50), func(in *Input) {
				in.Rollout.Spec.Paused = true
			}),
			want: want{Replicas: map[string]int32{}, Traffic: carried{Weight: -1}, StableRS: "a", Step: 2}},
		{name: "manual pause does not hold an abort: traffic back to stable at once",
			in: routedInput(10, s, 2, rsAt{10, 10}, rsAt{5, 5}, accepted(50), func(in *Input) {
				in.Rollout.Spec.Paused = true
				in.Rollout.Status.Abort = true
			}),
			want: want{Replicas: map[string]int32{}, Traffic: carried{0, "a", "a"}, StableRS: "a", Step: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Canary(tt.in)
			got := want{Replicas: p.Replicas, Traffic: trafficOf(p), Routes: routeNames(p), StableRS: p.Status.StableRS, Step: idx(p.Status.CurrentStepIndex)}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestRoutedManagedRoutes: the header and mirror routes of the completed steps,
// in managedRoutes order (mirror-1, header-1, header-2), a step with an empty
// match removing its route; none after promotion or on abort.
func TestRoutedManagedRoutes(t *testing.T) {
	beta := v1alpha1.HeaderRoutingMatch{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}
	canaryPrefix := v1alpha1.HeaderRoutingMatch{HeaderName: "x-canary", HeaderValue: &v1alpha1.StringMatch{Prefix: "yes"}}
	get := v1alpha1.RouteMatch{Method: &v1alpha1.StringMatch{Exact: "GET"}, Path: &v1alpha1.StringMatch{Prefix: "/api"}}
	three := steps(headerRoute("header-2", beta), mirrorRoute("mirror-1", get), headerRoute("header-1", canaryPrefix), weight(10), pauseForever())
	tests := []struct {
		name string
		in   Input
		want *traffic.State
	}{
		{name: "routes of completed steps in managedRoutes order",
			in: routedInput(10, three, 4, rsAt{10, 10}, rsAt{1, 1}, accepted(10)),
			want: &traffic.State{CanaryWeight: 10, StableHash: "a", CanaryHash: "b",
				HeaderRoutes: []v1alpha1.SetHeaderRoute{{Name: "header-1", Match: []v1alpha1.HeaderRoutingMatch{canaryPrefix}}, {Name: "header-2", Match: []v1alpha1.HeaderRoutingMatch{beta}}},
				MirrorRoutes: []v1alpha1.SetMirrorRoute{{Name: "mirror-1", Match: []v1alpha1.RouteMatch{get}}}}},
		{name: "route steps complete at once and the next step's hold carries them",
			in: routedInput(10, three, 0, rsAt{10, 10}, rsAt{1, 1}),
			want: &traffic.State{CanaryWeight: 10, StableHash: "a", CanaryHash: "b",
				HeaderRoutes: []v1alpha1.SetHeaderRoute{{Name: "header-1", Match: []v1alpha1.HeaderRoutingMatch{canaryPrefix}}, {Name: "header-2", Match: []v1alpha1.HeaderRoutingMatch{beta}}},
				MirrorRoutes: []v1alpha1.SetMirrorRoute{{Name: "mirror-1", Match: []v1alpha1.RouteMatch{get}}}}},
		{name: "a route of a step not yet reached is not there",
			in:   routedInput(10, steps(weight(10), headerRoute("header-1", beta), pauseForever()), 0, rsAt{10, 10}, rsAt{0, 0}),
			want: &traffic.State{CanaryWeight: 0, StableHash: "a", CanaryHash: "b"}},
		{name: "an empty match removes the header route",
			in: routedInput(10, steps(headerRoute("header-1", beta), headerRoute("header-2", beta), weight(10), headerRoute("header-1"), pauseForever()),
				4, rsAt{10, 10}, rsAt{1, 1}, accepted(10)),
			want: &traffic.State{CanaryWeight: 10, StableHash: "a", CanaryHash: "b",
				HeaderRoutes: []v1alpha1.SetHeaderRoute{{Name: "header-2", Match: []v1alpha1.HeaderRoutingMatch{beta}}}}},
		{name: "an empty match removes the mirror route; a later step sets it again",
			in: routedInput(10, steps(mirrorRoute("mirror-1", get), weight(10), mirrorRoute("mirror-1"), pauseFor(10), mirrorRoute("mirror-1", v1alpha1.RouteMatch{Path: &v1alpha1.StringMatch{Exact: "/x"}}), pauseForever()),
				5, rsAt{10, 10}, rsAt{1, 1}, accepted(10)),
			want: &traffic.State{CanaryWeight: 10, StableHash: "a", CanaryHash: "b",
				MirrorRoutes: []v1alpha1.SetMirrorRoute{{Name: "mirror-1", Match: []v1alpha1.RouteMatch{{Path: &v1alpha1.StringMatch{Exact: "/x"}}}}}}},
		{name: "no route toward a canary without available pods",
			in:   routedInput(10, steps(headerRoute("header-1", beta), pauseForever()), 0, rsAt{10, 10}, rsAt{0, 0}),
			want: &traffic.State{CanaryWeight: 0, StableHash: "a", CanaryHash: "b"}},
		{name: "setCanaryScale first: the route goes to the canary pods before any weight",
			in: routedInput(10, steps(canaryScale(v1alpha1.SetCanaryScale{Replicas: ptr(int32(1))}), headerRoute("header-1", beta), pauseForever()),
				0, rsAt{10, 10}, rsAt{1, 1}),
			want: &traffic.State{CanaryWeight: 0, StableHash: "a", CanaryHash: "b",
				HeaderRoutes: []v1alpha1.SetHeaderRoute{{Name: "header-1", Match: []v1alpha1.HeaderRoutingMatch{beta}}}}},
		{name: "none after the last step",
			in:   routedInput(10, three, 5, rsAt{10, 10}, rsAt{1, 1}, accepted(10)),
			want: &traffic.State{CanaryWeight: 10, StableHash: "a", CanaryHash: "b"}},
		{name: "none on abort",
			in:   routedInput(10, three, 4, rsAt{10, 10}, rsAt{1, 1}, accepted(10), withStatus(func(s *v1alpha1.RolloutStatus) { s.Abort = true })),
			want: &traffic.State{CanaryWeight: 0, StableHash: "a", CanaryHash: "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Canary(tt.in)
			if diff := cmp.Diff(tt.want, p.Traffic); diff != "" {
				t.Errorf("traffic (-want +got):\n%s", diff)
			}
		})
	}
}

// The tests below drive a routed canary through the world model of sim_test.go,
// which checks the routed safety rules after every tick (world.checkRouted).

func routedCanary(s ...v1alpha1.CanaryStep) *v1alpha1.CanaryStrategy {
	c := canaryWithServices(s...)
	c.TrafficRouting = &v1alpha1.RolloutTrafficRouting{
		ManagedRoutes: []v1alpha1.MangedRoutes{{Name: "mirror-1"}, {Name: "header-1"}},
		Istio:         &v1alpha1.IstioTrafficRouting{VirtualService: &v1alpha1.IstioVirtualService{Name: "vs"}},
	}
	return c
}

// carried is the weight the router carries and the hashes it carries it to.
func (w *world) traffic() carried {
	wt := w.ro.Status.Canary.Weights
	if wt == nil {
		return carried{Weight: -1}
	}
	return carried{wt.Canary.Weight, wt.Stable.PodTemplateHash, wt.Canary.PodTemplateHash}
}

func TestRoutedCanaryThroughAllSteps(t *testing.T) {
	variants := []struct {
		name   string
		change func(*v1alpha1.CanaryStrategy)
	}{
		{"stable at full size", func(*v1alpha1.CanaryStrategy) {}},
		{"dynamicStableScale", dynamicStableScale},
		{"minPodsPerReplicaSet 2", minPods(2)},
		{"dynamicStableScale and minPodsPerReplicaSet 2", func(c *v1alpha1.CanaryStrategy) { dynamicStableScale(c); minPods(2)(c) }},
	}
	beta := v1alpha1.HeaderRoutingMatch{HeaderName: "x-beta", HeaderValue: &v1alpha1.StringMatch{Exact: "1"}}
	for _, v := range variants {
		for _, replicas := range []int32{1, 3, 5, 10} {
			t.Run(fmt.Sprintf("%s/%d", v.name, replicas), func(t *testing.T) {
				c := routedCanary(
					canaryScale(v1alpha1.SetCanaryScale{Weight: ptr(int32(10))}),
					headerRoute("header-1", beta),
					weight(20), pauseFor(10),
					mirrorRoute("mirror-1", v1alpha1.RouteMatch{Method: &v1alpha1.StringMatch{Exact: "GET"}}),
					canaryScale(v1alpha1.SetCanaryScale{MatchTrafficWeight: true}),
					weight(50), weight(100), weight(30), pauseForever())
				v.change(c)
				last := int32(len(c.Steps) - 1)
				w := healthyWorld(t, replicas, c)
				if got := w.traffic(); got != (carried{0, "a", "a"}) {
					t.Fatalf("steady traffic %+v, want weight 0 on a", got)
				}
				w.deploy("b")
				w.runUntil("paused at the last step", 200, time.Second, func() bool {
					return w.paused() && idx(w.ro.Status.CurrentStepIndex) == last
				})
				if got := w.traffic(); got != (carried{30, "a", "b"}) {
					t.Fatalf("at the last step the router carries %+v, want 30 toward b (%s)", got, w)
				}
				p := w.tick(time.Second)
				if got := routeNames(p); !cmp.Equal(got, []string{"header:header-1", "mirror:mirror-1"}) {
					t.Fatalf("routes at the last step %v", got)
				}
				w.promote()
				w.runUntil("b stable", 30, time.Second, func() bool { return w.ro.Status.StableRS == "b" })
				if got := w.traffic(); got != (carried{0, "b", "b"}) {
					t.Fatalf("after promotion the router carries %+v, want weight 0 on b", got)
				}
				if w.services["stable"].SelectedHash != "b" || w.services["canary"].SelectedHash != "b" {
					t.Fatalf("services after promotion: %s", w)
				}
				promoted := w.now
				w.runUntil("old stable gone", 60, time.Second, func() bool { return w.rs["a"].Replicas == 0 })
				if kept := w.now.Sub(promoted); kept < 30*time.Second {
					t.Fatalf("old stable scaled down %s after promotion, want scaleDownDelaySeconds 30", kept)
				}
			})
		}
	}
}

func TestRoutedAbortAndRetry(t *testing.T) {
	w := healthyWorld(t, 4, routedCanary(weight(50), pauseForever()))
	w.deploy("b")
	w.runUntil("paused at weight 50", 20, time.Second, w.paused)
	w.ro.Status.Abort = true
	w.tick(time.Second)
	if got := w.traffic(); got != (carried{0, "a", "a"}) || w.rs["b"].Replicas != 2 {
		t.Fatalf("abort: router carries %+v, canary %d pods; want weight 0 on a at once, canary kept (%s)", got, w.rs["b"].Replicas, w)
	}
	aborted := w.now
	w.runUntil("canary gone after the abort delay", 40, time.Second, func() bool { return w.rs["b"].Replicas == 0 })
	if kept := w.now.Sub(aborted); kept < 29*time.Second {
		t.Fatalf("canary scaled down %s after the abort, want abortScaleDownDelaySeconds 30", kept)
	}
	w.ro.Status.Abort = false
	w.runUntil("paused at weight 50 again", 20, time.Second, w.paused)
	if got := w.traffic(); got != (carried{50, "a", "b"}) {
		t.Fatalf("retry: router carries %+v", got)
	}
}

func TestRoutedAbortWaitsForTheRouter(t *testing.T) {
	w := healthyWorld(t, 4, routedCanary(weight(50), pauseForever()))
	w.deploy("b")
	w.runUntil("paused at weight 50", 20, time.Second, w.paused)
	w.routerDown = true
	w.ro.Status.Abort = true
	for range 60 {
		w.tick(time.Second)
	}
	if w.rs["b"].Replicas == 0 {
		t.Fatalf("canary scaled down while the router still sends it traffic (%s)", w)
	}
	w.routerDown = false
	// The failed reconciles wrote no status, so the abort (and its delay) is
	// recorded once the router takes weight 0.
	w.runUntil("canary gone abortScaleDownDelaySeconds after the router carries weight 0", 40, time.Second, func() bool { return w.rs["b"].Replicas == 0 })
}

func TestRoutedStepWaitsForTheRouter(t *testing.T) {
	w := healthyWorld(t, 4, routedCanary(weight(50), pauseForever()))
	w.routerDown = true
	w.deploy("b")
	for range 20 {
		w.tick(time.Second)
	}
	// Every reconcile fails at the router, after growing the canary and before
	// its status write: no step is recorded.
	if w.ro.Status.CurrentPodHash != "a" || w.paused() || w.rs["b"].Replicas != 2 {
		t.Fatalf("with the router rejecting updates: %s", w)
	}
	w.routerDown = false
	w.runUntil("paused at weight 50", 5, time.Second, w.paused)
}

func TestRoutedNewTemplateSupersedesCanaryWithWeight(t *testing.T) {
	w := healthyWorld(t, 4, routedCanary(weight(50), pauseForever()))
	w.deploy("b")
	w.runUntil("paused on b", 20, time.Second, w.paused)
	w.deploy("c")
	w.runUntil("paused on c at weight 50 with b gone", 20, time.Second, func() bool {
		return w.paused() && w.traffic() == carried{50, "a", "c"} && w.rs["b"].Replicas == 0
	})
}

func TestRoutedCanaryNeverReady(t *testing.T) {
	w := healthyWorld(t, 4, routedCanary(weight(50), pauseForever()))
	w.deploy("b")
	w.notReady["b"] = true
	for range 20 {
		w.tick(time.Second)
	}
	if got := w.traffic(); got.Weight != 0 || idx(w.ro.Status.CurrentStepIndex) != 0 || w.rs["a"].Available != 4 {
		t.Fatalf("a canary that never gets ready: router carries %+v (%s)", got, w)
	}
}
