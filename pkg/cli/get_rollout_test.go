package cli

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// canaryAtTimedPause is "web" paused 3m20s into its 10m pause step: a stable
// ReplicaSet with three pods (one of them restarted) and a canary with one.
func canaryAtTimedPause() []runtime.Object {
	ro := canaryRollout()
	stable := replicaSet(ro, stableHash, 1, "example.com/web:1.0", 3, 3, 26*time.Hour)
	canary := replicaSet(ro, canaryHash, 2, "example.com/web:2.0", 1, 1, 5*time.Minute)
	return []runtime.Object{ro, stable, canary,
		pod(stable, "2kq7x", true, 0, 26*time.Hour),
		pod(stable, "8vbnm", true, 2, 26*time.Hour),
		pod(stable, "qz4lp", true, 0, 90*time.Minute),
		pod(canary, "m3t9w", true, 0, 4*time.Minute+30*time.Second),
	}
}

func TestGetRolloutCanaryAtTimedPause(t *testing.T) {
	c := newFakeCluster(t, canaryAtTimedPause()...)
	r := c.run("get", "rollout", "web")
	wantExit(t, r, 0)
	golden(t, "get-canary-timed-pause.txt", r.stdout)
}

func TestGetRolloutHealthy(t *testing.T) {
	ro := healthyRollout()
	current := replicaSet(ro, canaryHash, 2, "example.com/web:2.0", 4, 4, 20*time.Minute)
	old := replicaSet(ro, stableHash, 1, "example.com/web:1.0", 0, 0, 26*time.Hour)
	objs := []runtime.Object{ro, current, old}
	for _, suffix := range []string{"a1b2c", "d3e4f", "g5h6i", "j7k8l"} {
		objs = append(objs, pod(current, suffix, true, 0, 15*time.Minute))
	}
	c := newFakeCluster(t, objs...)
	r := c.run("get", "ro", "web")
	wantExit(t, r, 0)
	golden(t, "get-canary-healthy.txt", r.stdout)
}

// TestGetRolloutAborted shows a routed canary after an abort: router weights in
// status, the canary waiting out its abort scale-down delay, a failed analysis
// run and a crashing canary pod.
func TestGetRolloutAborted(t *testing.T) {
	ro := canaryRollout()
	ro.Spec.Strategy.Canary.CanaryService, ro.Spec.Strategy.Canary.StableService = "web-canary", "web-stable"
	ro.Status.Phase = v1alpha1.RolloutPhaseDegraded
	ro.Status.Message = "RolloutAborted: Rollout aborted: step analysis is Failed"
	ro.Status.Abort = true
	ro.Status.PauseConditions, ro.Status.ControllerPause = nil, false
	ro.Status.CurrentStepIndex = ptr(int32(0))
	ro.Status.Canary.Weights = &v1alpha1.TrafficWeights{
		Canary: v1alpha1.WeightDestination{Weight: 0, ServiceName: "web-canary", PodTemplateHash: canaryHash},
		Stable: v1alpha1.WeightDestination{Weight: 100, ServiceName: "web-stable", PodTemplateHash: stableHash},
	}
	stable := replicaSet(ro, stableHash, 1, "example.com/web:1.0", 4, 4, 26*time.Hour)
	canary := replicaSet(ro, canaryHash, 2, "example.com/web:2.0", 1, 0, 5*time.Minute)
	canary.Annotations[view.ScaleDownDeadlineAnnotation] = testNow.Add(25 * time.Second).Format(time.RFC3339)
	crashing := pod(canary, "m3t9w", false, 3, 4*time.Minute)
	crashing.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
	run := &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-" + canaryHash + "-2-1", Namespace: "default", CreationTimestamp: ago(4 * time.Minute),
			Annotations:     map[string]string{view.RevisionAnnotation: "2"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "Rollout", Name: "web", UID: ro.UID, Controller: ptr(true)}},
		},
		Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseFailed, RunSummary: v1alpha1.RunSummary{Count: 2, Successful: 1, Failed: 1},
			MetricResults: []v1alpha1.MetricResult{
				{Name: "error-rate", Phase: v1alpha1.AnalysisPhaseFailed, Count: 2, Successful: 1, Failed: 1},
				{Name: "latency", Phase: v1alpha1.AnalysisPhaseSuccessful, Count: 1, Successful: 1},
			}},
	}
	objs := []runtime.Object{ro, stable, canary, crashing, run}
	for _, suffix := range []string{"2kq7x", "8vbnm", "qz4lp", "w2x3y"} {
		objs = append(objs, pod(stable, suffix, true, 0, 26*time.Hour))
	}
	c := newFakeCluster(t, objs...)
	r := c.run("get", "rollout", "web")
	wantExit(t, r, 0)
	golden(t, "get-canary-aborted.txt", r.stdout)
}

func TestGetRolloutNotFound(t *testing.T) {
	c := newFakeCluster(t)
	r := c.run("get", "rollout", "nope")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "nope" not found in namespace "default"`)
}

// TestGetRolloutWatchExitsWhenHealthy follows a paused rollout to Healthy.
func TestGetRolloutWatchExitsWhenHealthy(t *testing.T) {
	c := newFakeCluster(t, canaryAtTimedPause()...)
	w := startCommand(c.options(), "get", "rollout", "web", "-w")
	w.waitFrame(t, "Paused")
	select {
	case r := <-w.done:
		t.Fatalf("get -w exited while Paused: %+v", r)
	default:
	}
	c.updateStatus("web", func(st *v1alpha1.RolloutStatus) {
		st.Phase, st.Message, st.StableRS = v1alpha1.RolloutPhaseHealthy, "", canaryHash
	})
	select {
	case r := <-w.done:
		wantExit(t, r, 0)
		frames := strings.Count(r.stdout, "Name:")
		if frames < 2 || !strings.Contains(r.stdout, "✔ Healthy") {
			t.Errorf("want at least two frames, the last Healthy; got %d:\n%s", frames, r.stdout)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("get -w did not exit after the rollout became Healthy")
	}
}

// TestGetRolloutWatchExitsOneWhenDegraded: Degraded ends the watch with exit 1,
// but only once the status is of the current generation.
func TestGetRolloutWatchExitsOneWhenDegraded(t *testing.T) {
	objs := canaryAtTimedPause()
	ro := objs[0].(*v1alpha1.Rollout)
	ro.Status.Phase, ro.Status.Message = v1alpha1.RolloutPhaseDegraded, "RolloutAborted: Rollout aborted"
	ro.Status.ObservedGeneration = 1 // stale: must count as Progressing
	c := newFakeCluster(t, objs...)
	w := startCommand(c.options(), "get", "rollout", "web", "--watch")
	w.waitFrame(t, "Name:")
	select {
	case r := <-w.done:
		t.Fatalf("get -w trusted a stale Degraded phase: %+v", r)
	default:
	}
	c.updateStatus("web", func(st *v1alpha1.RolloutStatus) { st.ObservedGeneration = 2 })
	select {
	case r := <-w.done:
		wantExit(t, r, 1)
		wantOneErrorLine(t, r, `error: rollout "web" is Degraded: RolloutAborted: Rollout aborted`)
	case <-time.After(10 * time.Second):
		t.Fatal("get -w did not exit after the rollout became Degraded")
	}
}

func TestGetRolloutWatchStopsOnInterrupt(t *testing.T) {
	c := newFakeCluster(t, canaryAtTimedPause()...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	go func() { done <- c.runContext(ctx, "get", "rollout", "web", "-w") }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case r := <-done:
		wantExit(t, r, 0)
	case <-time.After(10 * time.Second):
		t.Fatal("get -w did not stop when interrupted")
	}
}
