package triggers

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/notifications"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

const uid = "7c1e2a90"

var t0 = time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)

func at(sec int) metav1.Time { return metav1.NewTime(t0.Add(time.Duration(sec) * time.Second)) }

func i32(v int32) *int32 { return &v }

// steps of the release the tests walk: 1 setWeight 20, 2 pause until
// promoted, 3 analysis, 4 setWeight 100.
func releaseSteps() []v1alpha1.CanaryStep {
	return []v1alpha1.CanaryStep{
		{SetWeight: i32(20)},
		{Pause: &v1alpha1.RolloutPause{}},
		{Analysis: &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "success-rate"}}}},
		{SetWeight: i32(100)},
	}
}

// stable is a canary Rollout whose revision 1 (hash "h1") is stable and Healthy.
func stable() *v1alpha1.Rollout {
	return &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", UID: uid, Generation: 1},
		Spec: v1alpha1.RolloutSpec{
			Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{Steps: releaseSteps()}},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web:1"}}}},
		},
		Status: v1alpha1.RolloutStatus{
			ObservedGeneration: 1, Phase: v1alpha1.RolloutPhaseHealthy,
			CurrentPodHash: "h1", StableRS: "h1", CurrentStepIndex: i32(4),
			Conditions: []v1alpha1.RolloutCondition{{Type: v1alpha1.RolloutCompleted, Status: corev1.ConditionTrue, LastTransitionTime: at(0)}},
		},
	}
}

// updating is stable() with revision 2 (hash "h2", image web:2) started and
// index steps completed.
func updating(index int32) *v1alpha1.Rollout {
	ro := stable()
	ro.Generation = 2
	ro.Spec.Template.Spec.Containers[0].Image = "web:2"
	ro.Status.ObservedGeneration = 2
	ro.Status.Phase, ro.Status.Message = v1alpha1.RolloutPhaseProgressing, "more replicas need to be updated"
	ro.Status.CurrentPodHash = "h2"
	ro.Status.CurrentStepIndex = i32(index)
	ro.Status.Canary.Weights = &v1alpha1.TrafficWeights{Canary: v1alpha1.WeightDestination{Weight: 20}, Stable: v1alpha1.WeightDestination{Weight: 80}}
	return ro
}

// pausedAt adds a pause condition.
func pausedAt(ro *v1alpha1.Rollout, reason v1alpha1.PauseReason, start metav1.Time) *v1alpha1.Rollout {
	ro.Status.PauseConditions = append(ro.Status.PauseConditions, v1alpha1.PauseCondition{Reason: reason, StartTime: start})
	ro.Status.ControllerPause = true
	ro.Status.Phase = v1alpha1.RolloutPhasePaused
	return ro
}

// aborted marks the Rollout aborted at sec with the Progressing message.
func abortedWith(ro *v1alpha1.Rollout, sec int, message string) *v1alpha1.Rollout {
	ro.Status.Abort = true
	ro.Status.AbortedAt = ptr(at(sec))
	ro.Status.CurrentStepIndex = i32(0)
	ro.Status.Phase = v1alpha1.RolloutPhaseDegraded
	ro.Status.Conditions = append(ro.Status.Conditions, v1alpha1.RolloutCondition{
		Type: v1alpha1.RolloutProgressing, Status: corev1.ConditionFalse, Reason: v1alpha1.ReasonRolloutAborted, Message: message})
	return ro
}

// completedRelease is revision 2 stable and Healthy.
func completedRelease() *v1alpha1.Rollout {
	ro := updating(4)
	ro.Status.StableRS = "h2"
	ro.Status.Phase, ro.Status.Message = v1alpha1.RolloutPhaseHealthy, ""
	ro.Status.Canary.Weights = nil
	ro.Status.Conditions = []v1alpha1.RolloutCondition{{Type: v1alpha1.RolloutCompleted, Status: corev1.ConditionTrue, LastTransitionTime: at(300)}}
	return ro
}

// run is an AnalysisRun of revision rev.
func run(name string, rev string, phase v1alpha1.AnalysisPhase, started, completed int) *v1alpha1.AnalysisRun {
	r := &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", CreationTimestamp: at(started),
			Labels:      map[string]string{HashLabel: "h" + rev, v1alpha1.AnalysisKindLabel: "Step", v1alpha1.StepIndexLabel: "2"},
			Annotations: map[string]string{RevisionAnnotation: rev}},
		Status: v1alpha1.AnalysisRunStatus{Phase: phase, StartedAt: ptr(at(started)),
			MetricResults: []v1alpha1.MetricResult{{Name: "success-rate", Phase: phase, Measurements: []v1alpha1.Measurement{{Phase: phase, Value: "0.99"}}}}},
	}
	if completed > 0 {
		r.Status.CompletedAt = ptr(at(completed))
	}
	return r
}

func revisions(rs ...string) map[string]int64 {
	out := map[string]int64{}
	for i, h := range rs {
		out[h] = int64(i + 1)
	}
	return out
}

func created(hashSecs map[string]int) map[string]time.Time {
	out := map[string]time.Time{}
	for h, s := range hashSecs {
		out[h] = at(s).Time
	}
	return out
}

func input(ro *v1alpha1.Rollout, runs ...*v1alpha1.AnalysisRun) Input {
	return Input{Rollout: ro, Runs: runs, Revisions: revisions("h1", "h2"),
		Created: created(map[string]int{"h1": -3600, "h2": 0}), Now: t0.Add(time.Hour)}
}

func keys(events []notifications.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Key)
	}
	return out
}

func byTrigger(events []notifications.Event, trigger string) []notifications.Event {
	var out []notifications.Event
	for _, e := range events {
		if e.Trigger == trigger {
			out = append(out, e)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
