package cli

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

// TestGetRolloutAtAnalysisStep shows a canary at its analysis step with the
// step's run measuring (two of five measurements successful).
func TestGetRolloutAtAnalysisStep(t *testing.T) {
	ro := canaryRollout()
	ro.Spec.Strategy.Canary.Steps[1] = v1alpha1.CanaryStep{Analysis: &v1alpha1.RolloutAnalysis{
		Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "error-rate"}}}}
	ro.Status.Phase, ro.Status.Message = v1alpha1.RolloutPhaseProgressing, "waiting for the analysis step's AnalysisRun"
	ro.Status.PauseConditions, ro.Status.ControllerPause = nil, false
	runName := "web-" + canaryHash + "-2-1"
	ro.Status.Canary.CurrentStepAnalysisRunStatus = &v1alpha1.RolloutAnalysisRunStatus{Name: runName, Status: v1alpha1.AnalysisPhaseRunning}
	stable := replicaSet(ro, stableHash, 1, "example.com/web:1.0", 3, 3, 26*time.Hour)
	canary := replicaSet(ro, canaryHash, 2, "example.com/web:2.0", 1, 1, 5*time.Minute)
	run := &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{
			Name: runName, Namespace: "default", CreationTimestamp: ago(time.Minute),
			Labels:          map[string]string{view.HashLabel: canaryHash, v1alpha1.AnalysisKindLabel: "Step", v1alpha1.StepIndexLabel: "1"},
			Annotations:     map[string]string{view.RevisionAnnotation: "2"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "Rollout", Name: "web", UID: ro.UID, Controller: ptr(true)}},
		},
		Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseRunning,
			MetricResults: []v1alpha1.MetricResult{{Name: "error-rate", Phase: v1alpha1.AnalysisPhaseRunning, Count: 2, Successful: 2}},
			RunSummary:    v1alpha1.RunSummary{Count: 1}},
	}
	objs := []runtime.Object{ro, stable, canary, run, pod(canary, "m3t9w", true, 0, 4*time.Minute)}
	for _, suffix := range []string{"2kq7x", "8vbnm", "qz4lp"} {
		objs = append(objs, pod(stable, suffix, true, 0, 26*time.Hour))
	}
	r := newFakeCluster(t, objs...).run("get", "rollout", "web")
	wantExit(t, r, 0)
	golden(t, "get-canary-analysis.txt", r.stdout)
}

// TestGetRolloutBlueGreenPaused shows a blue-green rollout waiting for
// promotion: the preview ReplicaSet full, the active one serving.
func TestGetRolloutBlueGreenPaused(t *testing.T) {
	ro := canaryRollout()
	ro.Spec.Strategy = v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{
		ActiveService: "web-active", PreviewService: "web-preview", AutoPromotionEnabled: ptr(false)}}
	ro.Status.CurrentStepIndex = nil
	ro.Status.Message = "BlueGreenPause"
	ro.Status.PauseConditions = []v1alpha1.PauseCondition{{Reason: v1alpha1.PauseReasonBlueGreenPause, StartTime: ago(2 * time.Minute)}}
	ro.Status.BlueGreen = v1alpha1.BlueGreenStatus{ActiveSelector: stableHash, PreviewSelector: canaryHash}
	ro.Status.Replicas, ro.Status.UpdatedReplicas, ro.Status.ReadyReplicas, ro.Status.AvailableReplicas = 8, 4, 8, 8
	active := replicaSet(ro, stableHash, 1, "example.com/web:1.0", 4, 4, 26*time.Hour)
	preview := replicaSet(ro, canaryHash, 2, "example.com/web:2.0", 4, 4, 3*time.Minute)
	objs := []runtime.Object{ro, active, preview}
	for i, suffix := range []string{"a1", "b2", "c3", "d4"} {
		objs = append(objs, pod(active, suffix+"xyz", true, int32(i%2), 26*time.Hour), pod(preview, suffix+"new", true, 0, 3*time.Minute))
	}
	r := newFakeCluster(t, objs...).run("get", "rollout", "web")
	wantExit(t, r, 0)
	golden(t, "get-bluegreen-paused.txt", r.stdout)
}
