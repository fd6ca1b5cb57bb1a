package rollout

import (
	"context"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/sluice-dev/sluice/internal/priority"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
	typedv1alpha1 "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/typed/rollouts/v1alpha1"
)

// storedCanary is a Rollout paused at step 1 of a routed canary, as stored.
func storedCanary() v1alpha1.RolloutStatus {
	start := metav1.NewTime(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	return v1alpha1.RolloutStatus{
		ObservedGeneration: 2, Phase: v1alpha1.RolloutPhasePaused, Message: "CanaryPauseStep",
		CurrentPodHash: "new", StableRS: "old", CurrentStepIndex: ptrTo(int32(1)),
		PauseConditions:  []v1alpha1.PauseCondition{{Reason: v1alpha1.PauseReasonCanaryPauseStep, StartTime: start}},
		ControllerPause:  true,
		ControllerPauses: []v1alpha1.PauseReason{v1alpha1.PauseReasonCanaryPauseStep},
		Replicas:         4, UpdatedReplicas: 2, ReadyReplicas: 4, AvailableReplicas: 4,
		Selector: "app=web",
		Canary: v1alpha1.CanaryStatus{Weights: &v1alpha1.TrafficWeights{
			Canary: v1alpha1.WeightDestination{Weight: 50, PodTemplateHash: "new"},
			Stable: v1alpha1.WeightDestination{Weight: 50, PodTemplateHash: "old"},
		}},
		Conditions: []v1alpha1.RolloutCondition{
			{Type: v1alpha1.RolloutProgressing, Status: corev1.ConditionUnknown, Reason: v1alpha1.ReasonRolloutPaused, Message: "Rollout is paused", LastUpdateTime: start, LastTransitionTime: start},
			{Type: v1alpha1.RolloutPaused, Status: corev1.ConditionTrue, Reason: v1alpha1.ReasonRolloutPaused, Message: "CanaryPauseStep", LastUpdateTime: start, LastTransitionTime: start},
			{Type: v1alpha1.RolloutAvailable, Status: corev1.ConditionTrue, Reason: v1alpha1.ReasonAvailable, LastUpdateTime: start, LastTransitionTime: start},
		},
	}
}

func TestStatusWriteLevel(t *testing.T) {
	later := metav1.NewTime(time.Date(2026, 12, 3, 12, 0, 7, 0, time.UTC))
	tests := []struct {
		name   string
		change func(st *v1alpha1.RolloutStatus)
		want   priority.Level
	}{
		// What `get rollout` shows about where the rollout stands.
		{"the pause ended and the next step began", func(st *v1alpha1.RolloutStatus) {
			st.Phase, st.Message, st.PauseConditions, st.CurrentStepIndex = v1alpha1.RolloutPhaseProgressing, "more replicas need to be updated", nil, ptrTo(int32(2))
		}, priority.UserVisible},
		{"phase alone", func(st *v1alpha1.RolloutStatus) { st.Phase = v1alpha1.RolloutPhaseDegraded }, priority.UserVisible},
		{"a new spec generation answered", func(st *v1alpha1.RolloutStatus) { st.ObservedGeneration = 3 }, priority.UserVisible},
		{"step index", func(st *v1alpha1.RolloutStatus) { st.CurrentStepIndex = ptrTo(int32(2)) }, priority.UserVisible},
		{"step index cleared", func(st *v1alpha1.RolloutStatus) { st.CurrentStepIndex = nil }, priority.UserVisible},
		{"pause condition gone", func(st *v1alpha1.RolloutStatus) { st.PauseConditions = nil }, priority.UserVisible},
		{"pause restarted (countdown)", func(st *v1alpha1.RolloutStatus) { st.PauseConditions[0].StartTime = later }, priority.UserVisible},
		{"abort", func(st *v1alpha1.RolloutStatus) { st.Abort = true }, priority.UserVisible},
		{"new template", func(st *v1alpha1.RolloutStatus) { st.CurrentPodHash = "newer" }, priority.UserVisible},
		{"promoted: stable moved", func(st *v1alpha1.RolloutStatus) { st.StableRS = "new" }, priority.UserVisible},
		{"weight", func(st *v1alpha1.RolloutStatus) { st.Canary.Weights.Canary.Weight = 100 }, priority.UserVisible},
		{"weights verified", func(st *v1alpha1.RolloutStatus) { st.Canary.Weights.Verified = ptrTo(true) }, priority.UserVisible},
		{"weights dropped", func(st *v1alpha1.RolloutStatus) { st.Canary.Weights = nil }, priority.UserVisible},
		{"blue-green active selector", func(st *v1alpha1.RolloutStatus) { st.BlueGreen.ActiveSelector = "new" }, priority.UserVisible},
		{"blue-green preview selector", func(st *v1alpha1.RolloutStatus) { st.BlueGreen.PreviewSelector = "new" }, priority.UserVisible},
		{"condition status", func(st *v1alpha1.RolloutStatus) { st.Conditions[2].Status = corev1.ConditionFalse }, priority.UserVisible},
		{"condition reason", func(st *v1alpha1.RolloutStatus) {
			st.Conditions[0].Reason = v1alpha1.ReasonProgressDeadlineExceeded
		}, priority.UserVisible},
		{"condition added", func(st *v1alpha1.RolloutStatus) {
			st.Conditions = append(st.Conditions, v1alpha1.RolloutCondition{Type: v1alpha1.RolloutHealthy, Status: corev1.ConditionFalse})
		}, priority.UserVisible},
		{"condition replaced by another type", func(st *v1alpha1.RolloutStatus) { st.Conditions[2].Type = v1alpha1.RolloutHealthy }, priority.UserVisible},

		// What drifts, and bookkeeping nobody reads on screen.
		{"nothing", func(*v1alpha1.RolloutStatus) {}, priority.Ordinary},
		{"counts and message", func(st *v1alpha1.RolloutStatus) {
			st.Replicas, st.AvailableReplicas, st.ReadyReplicas, st.UpdatedReplicas, st.Message = 3, 3, 3, 2, "old replicas are pending termination"
		}, priority.Ordinary},
		{"condition message and times", func(st *v1alpha1.RolloutStatus) {
			st.Conditions[0].Message, st.Conditions[0].LastUpdateTime = "Rollout is paused at step 2", later
		}, priority.Ordinary},
		{"conditions in another order", func(st *v1alpha1.RolloutStatus) {
			st.Conditions[0], st.Conditions[2] = st.Conditions[2], st.Conditions[0]
		}, priority.Ordinary},
		{"step analysis mirrored", func(st *v1alpha1.RolloutStatus) {
			st.Canary.CurrentStepAnalysisRunStatus = &v1alpha1.RolloutAnalysisRunStatus{Name: "web-new-2", Status: v1alpha1.AnalysisPhaseRunning}
		}, priority.Ordinary},
		{"controller pause bookkeeping", func(st *v1alpha1.RolloutStatus) { st.ControllerPause, st.ControllerPauses = false, nil }, priority.Ordinary},
		{"promoteFull cleared", func(st *v1alpha1.RolloutStatus) { st.PromoteFull = false }, priority.Ordinary},
		{"restart recorded", func(st *v1alpha1.RolloutStatus) { st.RestartedAt = &later }, priority.Ordinary},
		{"workload generation", func(st *v1alpha1.RolloutStatus) { st.WorkloadObservedGeneration = 4 }, priority.Ordinary},
		{"collision count", func(st *v1alpha1.RolloutStatus) { st.CollisionCount = ptrTo(int32(1)) }, priority.Ordinary},
		{"selector", func(st *v1alpha1.RolloutStatus) { st.Selector = "app=web,tier=front" }, priority.Ordinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stored := storedCanary()
			next := *stored.DeepCopy()
			tt.change(&next)
			if got := statusWriteLevel(&stored, &next); got != tt.want {
				t.Errorf("level %d, want %d", got, tt.want)
			}
		})
	}
}

// A step index that appears where the stored status had none (the first
// status of a canary with steps) is user-visible even when it is 0.
func TestStatusWriteLevelStepIndexAppearingAtZero(t *testing.T) {
	stored := storedCanary()
	stored.CurrentStepIndex = nil
	next := *stored.DeepCopy()
	next.CurrentStepIndex = ptrTo(int32(0))
	if got := statusWriteLevel(&stored, &next); got != priority.UserVisible {
		t.Errorf("level %d, want UserVisible", got)
	}
}

// levelRecorder wraps the sluice client and records the priority of each
// status write's context (and of each AnalysisRun create's in runLevels).
type levelRecorder struct {
	sluiceclient.Interface
	mu        *sync.Mutex
	levels    *[]priority.Level
	runLevels *[]priority.Level
}

func (r levelRecorder) SluiceV1alpha1() typedv1alpha1.SluiceV1alpha1Interface {
	return levelRecorderV1{r.Interface.SluiceV1alpha1(), r}
}

type levelRecorderV1 struct {
	typedv1alpha1.SluiceV1alpha1Interface
	r levelRecorder
}

func (v levelRecorderV1) Rollouts(namespace string) typedv1alpha1.RolloutInterface {
	return levelRecorderRollouts{v.SluiceV1alpha1Interface.Rollouts(namespace), v.r}
}

func (v levelRecorderV1) AnalysisRuns(namespace string) typedv1alpha1.AnalysisRunInterface {
	return levelRecorderRuns{v.SluiceV1alpha1Interface.AnalysisRuns(namespace), v.r}
}

type levelRecorderRuns struct {
	typedv1alpha1.AnalysisRunInterface
	r levelRecorder
}

func (w levelRecorderRuns) Create(ctx context.Context, run *v1alpha1.AnalysisRun, opts metav1.CreateOptions) (*v1alpha1.AnalysisRun, error) {
	w.r.mu.Lock()
	if w.r.runLevels != nil {
		*w.r.runLevels = append(*w.r.runLevels, priority.Of(ctx))
	}
	w.r.mu.Unlock()
	return w.AnalysisRunInterface.Create(ctx, run, opts)
}

type levelRecorderRollouts struct {
	typedv1alpha1.RolloutInterface
	r levelRecorder
}

func (w levelRecorderRollouts) UpdateStatus(ctx context.Context, ro *v1alpha1.Rollout, opts metav1.UpdateOptions) (*v1alpha1.Rollout, error) {
	w.r.mu.Lock()
	*w.r.levels = append(*w.r.levels, priority.Of(ctx))
	w.r.mu.Unlock()
	return w.RolloutInterface.UpdateStatus(ctx, ro, opts)
}

// The Rollout controller marks each status write: the transitions of an update
// (new template, pause begun) as user-visible, a batched counts-only write as
// ordinary, so the sluice client's limiter sends the former first.
func TestStatusWritesCarryTheirPriority(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, testRollout("web:1"), service("web-stable"), service("web-canary"))
	var mu sync.Mutex
	var levels []priority.Level
	f.c.sluice = levelRecorder{Interface: f.sluice, mu: &mu, levels: &levels}
	taken := func() []priority.Level {
		mu.Lock()
		defer mu.Unlock()
		out := levels
		levels = nil
		return out
	}
	for range 3 {
		f.sync()
	}
	ro := f.rollout()
	ro.Spec.Template.Spec.Containers[0].Image = "web:2"
	ro.Generation++
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(ctx, ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	taken()
	for range 5 {
		f.sync()
	}
	if ro = f.rollout(); ro.Status.Phase != v1alpha1.RolloutPhasePaused {
		t.Fatalf("want the update paused at its pause step, got %s", ro.Status.Phase)
	}
	update := taken()
	if len(update) == 0 {
		t.Fatal("no status written on the way to the pause")
	}
	for i, l := range update {
		if l != priority.UserVisible {
			t.Errorf("status write %d of the update (new template … pause) has level %d, want UserVisible", i+1, l)
		}
	}

	// A pod of the stable side stops being available: counts only, batched,
	// written countsDelay later as ordinary traffic.
	stable, err := f.kube.AppsV1().ReplicaSets("ns").Get(ctx, "web-"+ro.Status.StableRS, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stable.Status.AvailableReplicas--
	if _, err := f.kube.AppsV1().ReplicaSets("ns").UpdateStatus(ctx, stable, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	key := cache.ObjectName{Namespace: "ns", Name: "web"}
	f.refresh(ctx)
	if _, err := f.c.sync(ctx, key); err != nil {
		t.Fatal(err)
	}
	f.clock.Step(countsDelay)
	f.refresh(ctx)
	if _, err := f.c.sync(ctx, key); err != nil {
		t.Fatal(err)
	}
	if got := f.rollout().Status.AvailableReplicas; got != ro.Status.AvailableReplicas-1 {
		t.Fatalf("counts not written after the delay: availableReplicas %d", got)
	}
	if counts := taken(); len(counts) != 1 || counts[0] != priority.Ordinary {
		t.Errorf("the counts-only write's levels %v, want one Ordinary", counts)
	}
}

// The AnalysisRun an analysis step needs is created in the sync that moves the
// Rollout to that step, before the status write that records it: the create
// waits at the transition's priority, or the user-visible write would queue
// behind its own ordinary prerequisite.
func TestAnalysisRunOfANewStepIsCreatedAtTheTransitionsPriority(t *testing.T) {
	ro, template := analysisRollout("web:1")
	f := newFixture(t, ro, template, service("web-stable"), service("web-canary"))
	var mu sync.Mutex
	var levels, runLevels []priority.Level
	f.c.sluice = levelRecorder{Interface: f.sluice, mu: &mu, levels: &levels, runLevels: &runLevels}
	f.syncN(3)
	f.setImage("web:2")
	f.syncN(4)
	if runs := f.stepRuns("1"); len(runs) != 1 || ptrValue(f.rollout().Status.CurrentStepIndex) != 1 {
		t.Fatalf("want the rollout at its analysis step with one run, got step %d and %d runs", ptrValue(f.rollout().Status.CurrentStepIndex), len(runs))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(runLevels) != 1 || runLevels[0] != priority.UserVisible {
		t.Errorf("AnalysisRun creates at levels %v, want one UserVisible", runLevels)
	}
}
