package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// These tests plan one reconcile of a canary with a baseline (ro-a stable, ro-b
// canary, the baseline of that pair named by BaselineHash) and assert what a
// user would check: the baseline's size, the three weights the router must
// carry, the baselineService, which baselines go, and whether the step waits.

var baseHash = BaselineHash("a", "b")

// withBaseline turns the baseline on, with a baselineService settled on settledOn.
func withBaseline(replicas *intstr.IntOrString, serviceOn string) func(*Input) {
	return func(in *Input) {
		in.Rollout.Spec.Strategy.Canary.Baseline = &v1alpha1.CanaryBaseline{Replicas: replicas}
		in.Rollout.Spec.Strategy.Canary.BaselineService = "baseline"
		in.BaselineService = &Service{Name: "baseline", SelectedHash: serviceOn, Settled: true}
	}
}

// baselineRS adds an observed baseline ReplicaSet.
func baselineRS(hash string, at rsAt) func(*Input) {
	return func(in *Input) {
		in.Baselines = append(in.Baselines, &ReplicaSet{Name: "ro-baseline-" + hash, Hash: hash,
			Replicas: at.replicas, Pods: at.replicas, Ready: at.available, Available: at.available, Synced: true})
	}
}

// acceptedWithBaseline records that the router carries canary and baseline
// weight, the baseline on hash.
func acceptedWithBaseline(canary, baseline int32, hash string) func(*Input) {
	return func(in *Input) {
		accepted(canary)(in)
		w := in.Rollout.Status.Canary.Weights
		w.Stable.Weight = 100 - canary - baseline
		w.Baseline = &v1alpha1.WeightDestination{Weight: baseline, ServiceName: "baseline", PodTemplateHash: hash}
	}
}

type baselineOutcome struct {
	Size                     int32 // -1: the plan leaves baselines alone
	Remove                   []string
	Service                  string
	Canary, Baseline, Stable int32 // the router's weights (-1: no traffic planned)
	Step                     int32
}

func baselineOutcomeOf(p Plan) baselineOutcome {
	out := baselineOutcome{Size: -1, Canary: -1, Baseline: -1, Stable: -1, Step: ptrOr(p.Status.CurrentStepIndex, 0)}
	if b := p.Baseline; b != nil {
		out.Size, out.Remove, out.Service = b.Replicas, b.Remove, b.ServiceHash
	}
	if t := p.Traffic; t != nil {
		out.Canary, out.Baseline, out.Stable = t.CanaryWeight, t.BaselineWeight, t.StableWeight()
		if t.BaselineWeight > 0 && t.BaselineHash != baseHash {
			out.Baseline = -100 // weight toward the wrong ReplicaSet
		}
	}
	return out
}

func TestRoutedBaseline(t *testing.T) {
	match := &intstr.IntOrString{Type: intstr.String, StrVal: v1alpha1.BaselineMatchCanary}
	four := intstr.FromInt32(4)
	half := intstr.FromString("50%")
	twenty := steps(weight(20), pauseForever())
	tests := []struct {
		name           string
		steps          []v1alpha1.CanaryStep
		step           int32
		stable, canary rsAt
		opts           []func(*Input)
		want           baselineOutcome
	}{
		{name: "the canary's first pods: a baseline of as many pods is asked for; no weight for either yet",
			steps: twenty, stable: rsAt{10, 10},
			opts: opts(withBaseline(match, "a")),
			want: baselineOutcome{Size: 2, Service: "a", Canary: 0, Baseline: 0, Stable: 100}},
		{name: "canary ready, baseline not created yet: the canary takes its weight, the baseline none, the step waits",
			steps: twenty, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(match, "a")),
			want: baselineOutcome{Size: 2, Service: "a", Canary: 20, Baseline: 0, Stable: 80}},
		{name: "baseline growing (1 of 2 available): no weight yet, its Service moves to its available pod",
			steps: twenty, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(match, "a"), baselineRS(baseHash, rsAt{2, 1}), accepted(20)),
			want: baselineOutcome{Size: 2, Service: baseHash, Canary: 20, Baseline: 0, Stable: 80}},
		{name: "baseline ready: it takes the canary's weight, stable 100-2w; the step waits for the router",
			steps: twenty, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(match, baseHash), baselineRS(baseHash, rsAt{2, 2}), accepted(20)),
			want: baselineOutcome{Size: 2, Service: baseHash, Canary: 20, Baseline: 20, Stable: 60}},
		{name: "router took both weights and the Service shows the baseline: the step completes",
			steps: twenty, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(match, baseHash), baselineRS(baseHash, rsAt{2, 2}), acceptedWithBaseline(20, 20, baseHash)),
			want: baselineOutcome{Size: 2, Service: baseHash, Canary: 20, Baseline: 20, Stable: 60, Step: 1}},
		{name: "baseline Service not settled yet: the step waits",
			steps: twenty, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(match, baseHash), baselineRS(baseHash, rsAt{2, 2}), acceptedWithBaseline(20, 20, baseHash),
				func(in *Input) { in.BaselineService.Settled = false }),
			want: baselineOutcome{Size: 2, Service: baseHash, Canary: 20, Baseline: 20, Stable: 60}},
		{name: "a fixed baseline size",
			steps: twenty, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(&four, "a")),
			want: baselineOutcome{Size: 4, Service: "a", Canary: 20, Baseline: 0, Stable: 80}},
		{name: "a percentage of replicas",
			steps: twenty, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(&half, "a")),
			want: baselineOutcome{Size: 5, Service: "a", Canary: 20, Baseline: 0, Stable: 80}},
		{name: "a step above 50%: the baseline's share goes in the same write; its pods stay while the router sends to it",
			steps: steps(weight(20), weight(60), pauseForever()), step: 1, stable: rsAt{10, 10}, canary: rsAt{6, 6},
			opts: opts(withBaseline(match, baseHash), baselineRS(baseHash, rsAt{2, 2}), acceptedWithBaseline(20, 20, baseHash)),
			want: baselineOutcome{Size: 0, Service: "a", Canary: 60, Baseline: 0, Stable: 40, Step: 2}},
		{name: "a step above 50%: once the router and the Service have left it, the baseline goes",
			steps: steps(weight(20), weight(60), pauseForever()), step: 1, stable: rsAt{10, 10}, canary: rsAt{6, 6},
			opts: opts(withBaseline(match, "a"), baselineRS(baseHash, rsAt{2, 2}), accepted(60)),
			want: baselineOutcome{Size: 0, Remove: []string{"ro-baseline-" + baseHash}, Service: "a", Canary: 60, Baseline: 0, Stable: 40, Step: 2}},
		{name: "abort: all traffic to stable at once, the baseline kept until the router took it",
			steps: twenty, step: 1, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(match, baseHash), baselineRS(baseHash, rsAt{2, 2}), acceptedWithBaseline(20, 20, baseHash),
				withStatus(func(s *v1alpha1.RolloutStatus) { s.Abort = true })),
			want: baselineOutcome{Size: 0, Service: "a", Canary: 0, Baseline: 0, Stable: 100}},
		{name: "abort: then it goes",
			steps: twenty, step: 1, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(match, "a"), baselineRS(baseHash, rsAt{2, 2}), accepted(0),
				withStatus(func(s *v1alpha1.RolloutStatus) { s.Abort = true })),
			want: baselineOutcome{Size: 0, Remove: []string{"ro-baseline-" + baseHash}, Service: "a", Canary: 0, Baseline: 0, Stable: 100}},
		{name: "a superseded canary's baseline goes once nothing sends to it; the new canary gets its own",
			steps: twenty, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(match, "a"), baselineRS(BaselineHash("a", "old"), rsAt{2, 2}), accepted(20)),
			want: baselineOutcome{Size: 2, Remove: []string{"ro-baseline-" + BaselineHash("a", "old")}, Service: "a", Canary: 20, Baseline: 0, Stable: 80}},
		{name: "a manual pause leaves the baseline as it is",
			steps: twenty, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(match, baseHash), baselineRS(baseHash, rsAt{2, 2}), acceptedWithBaseline(20, 20, baseHash),
				func(in *Input) { in.Rollout.Spec.Paused = true }),
			want: baselineOutcome{Size: -1, Canary: -1, Baseline: -1, Stable: -1}},
		{name: "the baseline lost its pods: its weight goes back to stable",
			steps: twenty, step: 1, stable: rsAt{10, 10}, canary: rsAt{2, 2},
			opts: opts(withBaseline(match, baseHash), baselineRS(baseHash, rsAt{2, 0}), acceptedWithBaseline(20, 20, baseHash)),
			want: baselineOutcome{Size: 2, Service: baseHash, Canary: 20, Baseline: 0, Stable: 80, Step: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := routedInput(10, tt.steps, tt.step, tt.stable, tt.canary, tt.opts...)
			got := baselineOutcomeOf(Canary(in))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
